package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmOutcome;
import java.util.List;
import java.util.Map;

/**
 * The HSM coordinator's changes, carried in the log inside {@link Op.Hsm} (see {@link Coordinator} for
 * what each does). Fields marked "decided by the leader" are empty in a client's request.
 */
sealed interface HsmOp {

    record SetState(Caller caller, Fid fid, int set, int clear, int archiveId) implements HsmOp {
    }

    record Submit(Caller caller, HsmAction action, Fid fid, int archiveId, long notBefore) implements HsmOp {
    }

    record Release(Caller caller, Fid fid, long dataVersion) implements HsmOp {
    }

    /**
     * @param archiveMask the agent's archive ids, one bit each (bit 0 = archive 1)
     * @param picked      the requests to hand out, in order (decided by the leader)
     */
    record Fetch(String agent, long archiveMask, int max, List<Long> picked) implements HsmOp {
        public Fetch {
            picked = List.copyOf(picked);
        }
    }

    record Progress(String agent, Map<Long, Long> bytesDone) implements HsmOp {
        public Progress {
            bytesDone = Map.copyOf(bytesDone);
        }
    }

    record Complete(String agent, long requestId, int attempt, HsmOutcome outcome) implements HsmOp {
    }

    record Import(Caller caller, Fid dir, String name, HsmImport.Spec spec) implements HsmOp {
    }

    record Configure(Caller caller, HsmConfig config) implements HsmOp {
    }

    static void write(Out out, HsmOp op) {
        switch (op) {
            case SetState s -> {
                out.u8(1);
                Codec.writeCaller(out, s.caller());
                Codec.writeFid(out, s.fid());
                out.i32(s.set()).i32(s.clear()).i32(s.archiveId());
            }
            case Submit s -> {
                out.u8(2);
                Codec.writeCaller(out, s.caller());
                Codec.writeEnum(out, s.action());
                Codec.writeFid(out, s.fid());
                out.i32(s.archiveId()).i64(s.notBefore());
            }
            case Release r -> {
                out.u8(3);
                Codec.writeCaller(out, r.caller());
                Codec.writeFid(out, r.fid());
                out.i64(r.dataVersion());
            }
            case Fetch f -> {
                out.u8(4).str(f.agent()).i64(f.archiveMask()).i32(f.max());
                HsmCodec.writeLongs(out, f.picked());
            }
            case Progress p -> {
                out.u8(5).str(p.agent());
                HsmCodec.writeLongMap(out, new java.util.TreeMap<>(p.bytesDone()));
            }
            case Complete c -> {
                out.u8(6).str(c.agent()).i64(c.requestId()).i32(c.attempt());
                HsmCodec.writeOutcome(out, c.outcome());
            }
            case Import i -> {
                out.u8(7);
                Codec.writeCaller(out, i.caller());
                Codec.writeFid(out, i.dir());
                out.str(i.name());
                HsmCodec.writeImportSpec(out, i.spec());
            }
            case Configure c -> {
                out.u8(8);
                Codec.writeCaller(out, c.caller());
                HsmCodec.writeConfig(out, c.config());
            }
        }
    }

    static HsmOp read(In in) {
        int tag = in.u8();
        return switch (tag) {
            case 1 -> new SetState(Codec.readCaller(in), Codec.readFid(in), in.i32(), in.i32(), in.i32());
            case 2 -> new Submit(Codec.readCaller(in), Codec.readEnum(in, HsmAction.class), Codec.readFid(in), in.i32(),
                    in.i64());
            case 3 -> new Release(Codec.readCaller(in), Codec.readFid(in), in.i64());
            case 4 -> new Fetch(in.str(), in.i64(), in.i32(), HsmCodec.readLongs(in));
            case 5 -> new Progress(in.str(), HsmCodec.readLongMap(in));
            case 6 -> new Complete(in.str(), in.i64(), in.i32(), HsmCodec.readOutcome(in));
            case 7 -> new Import(Codec.readCaller(in), Codec.readFid(in), in.str(), HsmCodec.readImportSpec(in));
            case 8 -> new Configure(Codec.readCaller(in), HsmCodec.readConfig(in));
            default -> throw new NacreException(Status.INVALID, "malformed metadata message: HSM operation tag " + tag);
        };
    }
}
