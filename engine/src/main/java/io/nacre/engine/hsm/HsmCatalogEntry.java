package io.nacre.engine.hsm;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;

/** A page entry of the HSM catalog: a file's archive copy and the file's attributes (null once unlinked). */
public record HsmCatalogEntry(Fid fid, ArchiveCopy copy, Attr attr) {
}
