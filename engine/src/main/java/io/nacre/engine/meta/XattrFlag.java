package io.nacre.engine.meta;

/** setxattr's flags: create only, replace only, or either. */
public enum XattrFlag {
    /** Fail with EXISTS if the attribute exists (XATTR_CREATE). */
    CREATE,
    /** Fail with NO_XATTR if it does not (XATTR_REPLACE). */
    REPLACE,
    /** Create or replace. */
    EITHER,
}
