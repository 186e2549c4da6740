package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;

/** The common part of every operation class: its S3 API name and what its failures are about. */
abstract class Operation implements S3Operation {

    private final String name;
    private final ErrorMapping.Target target;

    Operation(String name, ErrorMapping.Target target) {
        this.name = name;
        this.target = target;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final ErrorMapping.Target target() {
        return target;
    }
}
