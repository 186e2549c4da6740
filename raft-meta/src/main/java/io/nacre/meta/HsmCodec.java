package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmCatalogEntry;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.meta.HsmState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Binary forms of the HSM coordinator's records: in log entries, replies and the LMDB "hsm" database. */
final class HsmCodec {

    private HsmCodec() {
    }

    // ---- results of HSM operations, in replies ----------------------------------------------------

    private static final int STATE = 1;
    private static final int REQUEST = 2;
    private static final int WORK = 3;
    private static final int IDS = 4;
    private static final int IMPORT = 5;

    /** True when {@link Replies} should write r with {@link #writeResult}. */
    static boolean isResult(Object r) {
        return r instanceof HsmState || r instanceof HsmRequest || r instanceof WorkList || r instanceof IdSet
                || r instanceof HsmImport.Result;
    }

    /** A list of work handed to an agent (a distinct type, so that the reply knows how to write it). */
    record WorkList(List<HsmWork> work) {
    }

    /** The ids an agent must stop. */
    record IdSet(Set<Long> ids) {
    }

    static void writeResult(Out out, Object r) {
        switch (r) {
            case HsmState s -> out.u8(STATE).i32(s.flags()).i32(s.archiveId());
            case HsmRequest q -> {
                out.u8(REQUEST);
                writeRequest(out, q);
            }
            case WorkList w -> {
                out.u8(WORK).i32(w.work().size());
                w.work().forEach(x -> writeWork(out, x));
            }
            case IdSet s -> {
                out.u8(IDS).i32(s.ids().size());
                s.ids().forEach(out::i64);
            }
            case HsmImport.Result i -> {
                out.u8(IMPORT);
                Codec.writeAttr(out, i.attr());
                Codec.writeEnum(out, i.outcome());
                out.str(i.reason());
            }
            default -> throw new IllegalStateException("no HSM reply form for " + r.getClass());
        }
    }

    static Object readResult(In in) {
        int tag = in.u8();
        return switch (tag) {
            case STATE -> new HsmState(in.i32(), in.i32());
            case REQUEST -> readRequest(in);
            case WORK -> {
                int n = in.count();
                List<HsmWork> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(readWork(in));
                }
                yield new WorkList(l);
            }
            case IDS -> {
                int n = in.count();
                Set<Long> s = new TreeSet<>();
                for (int i = 0; i < n; i++) {
                    s.add(in.i64());
                }
                yield new IdSet(s);
            }
            case IMPORT -> new HsmImport.Result(Codec.readAttr(in), Codec.readEnum(in, HsmImport.Outcome.class),
                    in.str());
            default -> throw new NacreException(Status.INVALID, "malformed metadata reply: HSM result tag " + tag);
        };
    }

    // ---- records -------------------------------------------------------------------------------------

    static void writeRequest(Out out, HsmRequest r) {
        out.i64(r.id());
        Codec.writeEnum(out, r.action());
        Codec.writeFid(out, r.fid());
        out.i32(r.archiveId());
        Codec.writeEnum(out, r.state());
        out.i32(r.uid()).i64(r.submitted()).i64(r.notBefore()).str(r.agent()).i32(r.attempt()).i64(r.started())
                .i64(r.deadline()).i64(r.bytesDone()).i64(r.finished());
        out.bool(r.error() != null);
        if (r.error() != null) {
            Codec.writeEnum(out, r.error());
        }
        out.str(r.message()).str(r.handle());
    }

    static HsmRequest readRequest(In in) {
        long id = in.i64();
        HsmAction action = Codec.readEnum(in, HsmAction.class);
        var fid = Codec.readFid(in);
        int archiveId = in.i32();
        HsmRequest.State state = Codec.readEnum(in, HsmRequest.State.class);
        int uid = in.i32();
        long submitted = in.i64();
        long notBefore = in.i64();
        String agent = in.str();
        int attempt = in.i32();
        long started = in.i64();
        long deadline = in.i64();
        long bytes = in.i64();
        long finished = in.i64();
        Status error = in.bool() ? Codec.readEnum(in, Status.class) : null;
        String message = in.str();
        String handle = in.str();
        return new HsmRequest(id, action, fid, archiveId, state, uid, submitted, notBefore, agent, attempt, started,
                deadline, bytes, finished, error, message, handle);
    }

    static void writeCopy(Out out, ArchiveCopy c) {
        out.i32(c.archiveId()).str(c.handle()).str(c.checksum()).i64(c.size()).i64(c.dataVersion()).i64(c.archived());
        Codec.writeOptTemplate(out, c.template());
        out.i64(c.unlinked());
    }

    static ArchiveCopy readCopy(In in) {
        int id = in.i32();
        String handle = in.str();
        String checksum = in.str();
        long size = in.i64();
        long dv = in.i64();
        long archived = in.i64();
        var template = Codec.readOptTemplate(in);
        long unlinked = in.i64();
        return Codec.valid(() -> new ArchiveCopy(id, handle, checksum, size, dv, archived, template, unlinked));
    }

    static void writeOptCopy(Out out, ArchiveCopy c) {
        out.bool(c != null);
        if (c != null) {
            writeCopy(out, c);
        }
    }

    static ArchiveCopy readOptCopy(In in) {
        return in.bool() ? readCopy(in) : null;
    }

    static void writeWork(Out out, HsmWork w) {
        out.i64(w.requestId()).i32(w.attempt());
        Codec.writeEnum(out, w.action());
        Codec.writeFid(out, w.fid());
        out.i32(w.archiveId());
        writeOptCopy(out, w.copy());
        writeOptCopy(out, w.previous());
    }

    static HsmWork readWork(In in) {
        return new HsmWork(in.i64(), in.i32(), Codec.readEnum(in, HsmAction.class), Codec.readFid(in), in.i32(),
                readOptCopy(in), readOptCopy(in));
    }

    static void writeOutcome(Out out, HsmOutcome o) {
        switch (o) {
            case HsmOutcome.Archived a -> out.u8(1).str(a.handle()).str(a.checksum()).i64(a.size()).i64(a.dataVersion());
            case HsmOutcome.Restored r -> {
                out.u8(2);
                Codec.writeFid(out, r.dir());
                out.str(r.name());
            }
            case HsmOutcome.Removed r -> out.u8(3);
            case HsmOutcome.Failed f -> {
                out.u8(4);
                Codec.writeEnum(out, f.status());
                out.str(f.message());
            }
        }
    }

    static HsmOutcome readOutcome(In in) {
        int tag = in.u8();
        return switch (tag) {
            case 1 -> new HsmOutcome.Archived(in.str(), in.str(), in.i64(), in.i64());
            case 2 -> new HsmOutcome.Restored(Codec.readFid(in), in.str());
            case 3 -> new HsmOutcome.Removed();
            case 4 -> new HsmOutcome.Failed(Codec.readEnum(in, Status.class), in.str());
            default -> throw new NacreException(Status.INVALID, "malformed metadata message: HSM outcome " + tag);
        };
    }

    static void writeConfig(Out out, HsmConfig c) {
        out.i64(c.activeRequestTimeout().toNanos()).i32(c.maxAttempts()).i64(c.graceDelay().toNanos())
                .i32(c.defaultArchiveId()).i32(c.maxActive());
    }

    static HsmConfig readConfig(In in) {
        long timeout = in.i64();
        int attempts = in.i32();
        long grace = in.i64();
        int archive = in.i32();
        int active = in.i32();
        return Codec.valid(() -> new HsmConfig(Duration.ofNanos(timeout), attempts, Duration.ofNanos(grace), archive,
                active));
    }

    static void writeImportSpec(Out out, HsmImport.Spec s) {
        out.i32(s.archiveId()).str(s.handle()).str(s.checksum()).i64(s.size()).i64(s.mtime()).i32(s.uid()).i32(s.gid())
                .i32(s.mode()).bool(s.refresh());
    }

    static HsmImport.Spec readImportSpec(In in) {
        int id = in.i32();
        String handle = in.str();
        String checksum = in.str();
        long size = in.i64();
        long mtime = in.i64();
        int uid = in.i32();
        int gid = in.i32();
        int mode = in.i32();
        boolean refresh = in.bool();
        return Codec.valid(() -> new HsmImport.Spec(id, handle, checksum, size, mtime, uid, gid, mode, refresh));
    }

    // ---- query results ------------------------------------------------------------------------------

    static void writeRequests(Out out, List<HsmRequest> l) {
        out.i32(l.size());
        l.forEach(r -> writeRequest(out, r));
    }

    static List<HsmRequest> readRequests(In in) {
        int n = in.count();
        List<HsmRequest> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(readRequest(in));
        }
        return l;
    }

    static void writeStatus(Out out, HsmStatus s) {
        writeConfig(out, s.config());
        writeRequests(out, s.requests());
        out.i64(s.waiting()).i64(s.started()).i64(s.catalog());
        out.i32(s.agents().size());
        for (HsmStatus.Agent a : s.agents()) {
            out.str(a.name()).i64(archiveMask(a.archiveIds())).i64(a.lastSeen()).i64(a.active()).i64(a.succeeded())
                    .i64(a.failed());
        }
        out.i32(s.consumers().size());
        for (HsmStatus.Consumer c : s.consumers()) {
            out.str(c.name()).i64(c.cleared()).i64(c.behind()).i64(c.oldestUnread());
        }
        out.i64(s.changelogLast()).i64(s.now());
    }

    static HsmStatus readStatus(In in) {
        HsmConfig config = readConfig(in);
        List<HsmRequest> requests = readRequests(in);
        long waiting = in.i64();
        long started = in.i64();
        long catalog = in.i64();
        int n = in.count();
        List<HsmStatus.Agent> agents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            agents.add(new HsmStatus.Agent(in.str(), archiveIds(in.i64()), in.i64(), in.i64(), in.i64(), in.i64()));
        }
        n = in.count();
        List<HsmStatus.Consumer> consumers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            consumers.add(new HsmStatus.Consumer(in.str(), in.i64(), in.i64(), in.i64()));
        }
        return new HsmStatus(config, requests, waiting, started, catalog, agents, consumers, in.i64(), in.i64());
    }

    static void writeCatalog(Out out, List<HsmCatalogEntry> l) {
        out.i32(l.size());
        for (HsmCatalogEntry e : l) {
            Codec.writeFid(out, e.fid());
            writeCopy(out, e.copy());
            Codec.writeOptAttr(out, e.attr());
        }
    }

    static List<HsmCatalogEntry> readCatalog(In in) {
        int n = in.count();
        List<HsmCatalogEntry> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(new HsmCatalogEntry(Codec.readFid(in), readCopy(in), Codec.readOptAttr(in)));
        }
        return l;
    }

    // ---- archive id sets as Lustre's bit masks -------------------------------------------------------

    static long archiveMask(Set<Integer> ids) {
        long m = 0;
        for (int id : ids) {
            m |= 1L << (id - 1);
        }
        return m;
    }

    static Set<Integer> archiveIds(long mask) {
        Set<Integer> out = new HashSet<>();
        for (int i = 0; i < 32; i++) {
            if ((mask & (1L << i)) != 0) {
                out.add(i + 1);
            }
        }
        return out;
    }

    static Map<Long, Long> readLongMap(In in) {
        int n = in.count();
        Map<Long, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.i64(), in.i64());
        }
        return m;
    }

    static void writeLongMap(Out out, Map<Long, Long> m) {
        out.i32(m.size());
        m.forEach((k, v) -> out.i64(k).i64(v));
    }

    static void writeLongs(Out out, List<Long> l) {
        out.i32(l.size());
        l.forEach(out::i64);
    }

    static List<Long> readLongs(In in) {
        int n = in.count();
        List<Long> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(in.i64());
        }
        return l;
    }
}
