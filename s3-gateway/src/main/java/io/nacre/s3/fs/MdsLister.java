package io.nacre.s3.fs;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.MetadataService;
import io.nacre.s3.keys.S3OrderWalker;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace as the listing walker reads it: directories listed in name order with
 * {@link MetadataService#list}, as the caller (no read permission on a directory: its keys are not
 * listed). Only regular files and directories are keys; symlinks, devices and the like are not.
 */
public final class MdsLister implements S3OrderWalker.Lister<Fid, Attr> {

    private static final Logger LOG = LoggerFactory.getLogger(MdsLister.class);

    private final MetadataService mds;
    private final Caller caller;

    public MdsLister(MetadataService mds, Caller caller) {
        this.mds = mds;
        this.caller = caller;
    }

    @Override
    public S3OrderWalker.Page<Fid, Attr> list(Fid dir, String startAfter, int max) {
        String after = startAfter;
        while (true) {
            DirPage page;
            try {
                page = mds.list(caller, dir, after, max);
            } catch (NacreException e) {
                if (e.status() == Status.ACCESS || e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                    LOG.debug("not listing {} for {}: {}", dir, caller, e.status());
                    return new S3OrderWalker.Page<>(List.of(), true);
                }
                throw e;
            }
            List<S3OrderWalker.Entry<Fid, Attr>> out = new ArrayList<>(page.entries().size());
            for (DirEntry e : page.entries()) {
                S3OrderWalker.Entry<Fid, Attr> entry = entry(e.name(), e.attr());
                if (entry != null) {
                    out.add(entry);
                }
            }
            // A page of only non-keys is not the end of the directory: read on.
            if (!out.isEmpty() || page.eof() || page.entries().isEmpty()) {
                return new S3OrderWalker.Page<>(out, page.eof());
            }
            after = page.entries().get(page.entries().size() - 1).name();
        }
    }

    @Override
    public S3OrderWalker.Entry<Fid, Attr> lookup(Fid dir, String name) {
        try {
            return entry(name, mds.lookup(caller, dir, name));
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.ACCESS || e.status() == Status.STALE
                    || e.status() == Status.NOT_DIR || e.status() == Status.INVALID || e.status() == Status.NAME_TOO_LONG) {
                return null;
            }
            throw e;
        }
    }

    private static S3OrderWalker.Entry<Fid, Attr> entry(String name, Attr a) {
        if (a.isDir()) {
            return new S3OrderWalker.Entry<>(name, a.fid(), a);
        }
        if (a.isRegular()) {
            return new S3OrderWalker.Entry<>(name, null, a);
        }
        return null;
    }
}
