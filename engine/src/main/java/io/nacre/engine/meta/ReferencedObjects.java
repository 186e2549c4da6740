package io.nacre.engine.meta;

/**
 * One page of the MDS's view of an OST's referenced objects ({@link MetadataService#referencedObjects}):
 * {@code ids}, ascending, are objects of that OST some layout or queued destroy names; {@code allocated} is the
 * OST's allocation mark in the same view (every id below it had been handed out, none at or above it);
 * {@code more} says that referenced ids follow the last one (ask again after it).
 */
public record ReferencedObjects(long allocated, long[] ids, boolean more) {

    public ReferencedObjects {
        java.util.Objects.requireNonNull(ids, "ids");
    }
}
