package io.nacre.engine.layout;

/** One object on one OST: the OST's index in the file system and the object's id on that OST. */
public record ObjectRef(int ost, long id) {
    public ObjectRef {
        if (ost < 0) {
            throw new IllegalArgumentException("OST index must be >= 0: " + ost);
        }
        if (id <= 0) {
            throw new IllegalArgumentException("object id must be > 0: " + id);
        }
    }

    @Override
    public String toString() {
        return "OST%04x:0x%x".formatted(ost, id);
    }
}
