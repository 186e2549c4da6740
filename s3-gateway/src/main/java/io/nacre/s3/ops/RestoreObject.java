package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.meta.Attr;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.xml.RequestBodies;
import java.io.IOException;
import java.util.Map;
import java.util.OptionalInt;

/**
 * POST /bucket/key?restore: brings an archived object's data back from the HSM archive: 202 Accepted
 * while it comes, 200 when it is already there, 409 RestoreAlreadyInProgress, 403 InvalidObjectState when
 * the object has no archive copy. The restored data stays until it is released again (policy engine or
 * admin); the Days asked for only set the expiry-date x-amz-restore shows.
 */
final class RestoreObject extends Operation {

    RestoreObject() {
        super("RestoreObject", ErrorMapping.Target.KEY_READ);
    }

    @Override
    public HttpResponse handle(S3Request r) throws IOException {
        OptionalInt days = RequestBodies.restoreDays(r.smallBody(64 * 1024, false));
        ObjectReads.Found f = ObjectReads.find(r, r.bucket(), r.keyPath(), r.param("versionId"));
        Attr a = f.attr();
        if (!ArchivedObjects.archived(a)) {
            throw new S3Exception(S3Error.INVALID_OBJECT_STATE, "Restore is not allowed for the object's current "
                    + "storage class").with("StorageClass", "STANDARD");
        }
        if (!ArchivedObjects.released(a)) {
            if (days.isPresent()) {
                ArchivedObjects.noteExpiry(r, a.fid(), days.getAsInt());
            }
            return Responses.empty(HttpStatus.OK, Map.of());
        }
        if (ArchivedObjects.restoring(r, a.fid())) {
            throw new S3Exception(S3Error.RESTORE_ALREADY_IN_PROGRESS, "Object restore is already in progress");
        }
        if (days.isPresent()) {
            ArchivedObjects.noteExpiry(r, a.fid(), days.getAsInt());
        }
        HsmRequest queued = r.gateway().namespace().mds().hsmSubmit(r.caller(), HsmAction.RESTORE, a.fid(), 0, 0);
        // null: nothing to do, the data came back since the attributes were read
        return Responses.empty(queued == null ? HttpStatus.OK : HttpStatus.ACCEPTED, Map.of());
    }
}
