package io.nacre.engine.store;

/** How durable a write must be before it is acknowledged (NFS's stable_how4, less DATA_SYNC). */
public enum Durability {
    /** On stable storage before the call returns: survives kill -9 and power loss. */
    STABLE,
    /** Accepted; durable only after a later {@link ObjectStore#sync}. Lost only if the OST's instance changes. */
    UNSTABLE,
}
