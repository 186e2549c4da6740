package io.nacre.engine.meta;

/** Access bits for {@link MetadataService#access}, the rwx of the mode bits. */
public final class Access {
    public static final int READ = 4;
    public static final int WRITE = 2;
    public static final int EXECUTE = 1;
    public static final int ALL = READ | WRITE | EXECUTE;

    private Access() {
    }
}
