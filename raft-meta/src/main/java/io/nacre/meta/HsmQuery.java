package io.nacre.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmCatalogEntry;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.meta.ChangelogRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The HSM coordinator's reads, carried in {@link Query.Hsm}; each answered from one read transaction. */
sealed interface HsmQuery {

    /** The most catalog entries or listed requests one call returns. */
    int PAGE_MAX = 4096;

    void writeResult(Out out, Object result);

    Object readResult(In in);

    Object run(Tx tx);

    record Requests(Fid fid) implements HsmQuery {
        public Object run(Tx tx) {
            return new HsmTable(tx).ofFid(fid);
        }

        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            List<HsmRequest> l = (List<HsmRequest>) r;
            HsmCodec.writeRequests(out, l);
        }

        public Object readResult(In in) {
            return HsmCodec.readRequests(in);
        }
    }

    record Copy(Fid fid) implements HsmQuery {
        public Object run(Tx tx) {
            return java.util.Optional.ofNullable(new HsmTable(tx).copy(fid));
        }

        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            java.util.Optional<ArchiveCopy> c = (java.util.Optional<ArchiveCopy>) r;
            HsmCodec.writeOptCopy(out, c.orElse(null));
        }

        public Object readResult(In in) {
            return java.util.Optional.ofNullable(HsmCodec.readOptCopy(in));
        }
    }

    record Catalog(Fid after, int max) implements HsmQuery {
        public Object run(Tx tx) {
            if (max <= 0) {
                throw new NacreException(Status.INVALID, "a catalog page needs max > 0, not " + max);
            }
            List<HsmCatalogEntry> out = new ArrayList<>();
            for (Map.Entry<Fid, ArchiveCopy> e : new HsmTable(tx).catalog(after, Math.min(max, PAGE_MAX))) {
                Inode n = tx.inode(e.getKey());
                out.add(new HsmCatalogEntry(e.getKey(), e.getValue(), n == null ? null : n.attr()));
            }
            return out;
        }

        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            List<HsmCatalogEntry> l = (List<HsmCatalogEntry>) r;
            HsmCodec.writeCatalog(out, l);
        }

        public Object readResult(In in) {
            return HsmCodec.readCatalog(in);
        }
    }

    /** The coordinator at a glance. */
    record Overview(int max) implements HsmQuery {
        public Object run(Tx tx) {
            HsmTable t = new HsmTable(tx);
            int n = Math.max(0, Math.min(max, PAGE_MAX));
            List<HsmRequest> requests = new ArrayList<>(t.started(r -> true));
            if (requests.size() > n) {
                requests = new ArrayList<>(requests.subList(0, n));
            }
            requests.addAll(t.waitingList(n - requests.size()));
            List<HsmStatus.Agent> agents = new ArrayList<>();
            List<HsmRequest> started = t.started(r -> true);
            for (HsmTable.AgentRecord a : t.agents()) {
                long active = started.stream().filter(r -> r.agent().equals(a.name())).count();
                agents.add(new HsmStatus.Agent(a.name(), HsmCodec.archiveIds(a.archiveMask()), a.lastSeen(), active,
                        a.succeeded(), a.failed()));
            }
            long last = tx.changelogNext() - 1;
            List<HsmStatus.Consumer> consumers = new ArrayList<>();
            for (Map.Entry<String, Long> c : tx.consumers().entrySet()) {
                long behind = Math.max(0, last - c.getValue());
                long oldest = 0;
                if (behind > 0) {
                    List<ChangelogRecord> next = tx.changelogFrom(c.getValue() + 1, 1);
                    oldest = next.isEmpty() ? 0 : next.get(0).time();
                }
                consumers.add(new HsmStatus.Consumer(c.getKey(), c.getValue(), behind, oldest));
            }
            return new HsmStatus(t.config(), requests, t.waiting(), t.started(), t.catalogSize(), agents, consumers, last,
                    Proposals.now());
        }

        public void writeResult(Out out, Object r) {
            HsmCodec.writeStatus(out, (HsmStatus) r);
        }

        public Object readResult(In in) {
            return HsmCodec.readStatus(in);
        }
    }

    static void write(Out out, HsmQuery q) {
        switch (q) {
            case Requests r -> {
                out.u8(1);
                Codec.writeFid(out, r.fid());
            }
            case Copy c -> {
                out.u8(2);
                Codec.writeFid(out, c.fid());
            }
            case Catalog c -> {
                out.u8(3);
                Codec.writeOptFid(out, c.after());
                out.i32(c.max());
            }
            case Overview s -> out.u8(4).i32(s.max());
        }
    }

    static HsmQuery read(In in) {
        int tag = in.u8();
        return switch (tag) {
            case 1 -> new Requests(Codec.readFid(in));
            case 2 -> new Copy(Codec.readFid(in));
            case 3 -> new Catalog(Codec.readOptFid(in), in.i32());
            case 4 -> new Overview(in.i32());
            default -> throw new NacreException(Status.INVALID, "malformed metadata query: HSM tag " + tag);
        };
    }
}
