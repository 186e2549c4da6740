package io.nacre.nfs.export;

/** Which identities an export maps to the anonymous user (exports(5)). */
public enum Squash {
    /** Nobody is mapped: root stays root (no_root_squash). */
    NONE,
    /** uid 0 and gid 0 become anonuid/anongid (root_squash, the default). */
    ROOT,
    /** Every uid and gid becomes anonuid/anongid (all_squash). */
    ALL,
}
