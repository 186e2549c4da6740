package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FsStat;
import io.nacre.nfs.export.ClientRule;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.pnfs.DsHandle;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.state.NfsClient;
import io.nacre.nfs.v41.state.Session;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The state of one COMPOUND while it runs (RFC 8881 §16.2.3): the current and saved filehandles and
 * stateids, the session SEQUENCE found, and the caller's identity after export squashing.
 */
public final class CompoundContext {

    /** Fault point: hit before GETATTR asks the OSTs for space_used (sleep: OSTs that hang; fail: a node down). */
    public static final String FAULT_SPACE_USED = "nfs.attr.space_used";

    private final ServerContext server;
    private final RequestInfo request;
    private final ClientRule rule;
    private final Caller caller;
    private final int opCount;
    private Session session;
    private Fid currentFh;
    private Fid savedFh;
    private Stateid4 currentStateid;
    private Stateid4 savedStateid;
    /** On a pNFS data server: the object the current filehandle names (its Fid is {@link #currentFh}). */
    private DsHandle currentObject;
    private DsHandle savedObject;
    private FsStat statfs;
    /** Attributes an operation of this compound just got from the MDS (LOOKUP, OPEN), for a GETATTR after it. */
    private Attr recent;
    /** Whether {@link #recent} has had its glimpse (pNFS: the size the data servers may hold). */
    private boolean recentGlimpsed;
    /** Whether that glimpse asked the OSTs: {@link #recent}'s space_used is then theirs (or the MDS's, they failing). */
    private boolean recentSpaceAsked;
    /** The file an OPEN of this compound created, or null. */
    private Fid created;

    public CompoundContext(ServerContext server, RequestInfo request, int opCount) {
        this.server = server;
        this.request = request;
        this.opCount = opCount;
        this.rule = server.exports().ruleFor(request.remote()).orElse(null);
        if (rule == null) {
            this.caller = null;
        } else if (request.flavor() == Nfs4.AUTH_SYS) {
            this.caller = rule.map(request.uid(), request.gid(), request.gids());
        } else {
            this.caller = rule.anonymous();
        }
    }

    public ServerContext server() {
        return server;
    }

    public RequestInfo request() {
        return request;
    }

    /** How many operations the client sent in this COMPOUND. */
    public int opCount() {
        return opCount;
    }

    /** The squashed identity; NFS4ERR_ACCESS when no export rule admits this client. */
    public Caller caller() {
        requireExported();
        return caller;
    }

    public void requireExported() {
        if (rule == null) {
            throw new NfsException(NFS4ERR_ACCESS, request.remote() + " is not in the export table");
        }
    }

    /** NFS4ERR_ROFS on a read-only export. */
    public void requireWritable() {
        requireExported();
        if (rule.readOnly()) {
            throw new NfsException(NFS4ERR_ROFS, "read-only export");
        }
    }

    public boolean readOnly() {
        return rule == null || rule.readOnly();
    }

    public void session(Session s) {
        this.session = s;
    }

    /** The session of this compound (set by SEQUENCE). */
    public Session session() {
        if (session == null) {
            throw new NfsException(NFS4ERR_OP_NOT_IN_SESSION, "no SEQUENCE");
        }
        return session;
    }

    public NfsClient client() {
        return session().client();
    }

    public Fid currentFh() {
        if (currentFh == null) {
            throw new NfsException(NFS4ERR_NOFILEHANDLE, "no current filehandle");
        }
        return currentFh;
    }

    /** Sets the current filehandle; the current stateid no longer applies to it. */
    public void currentFh(Fid fid) {
        currentFh = fid;
        currentStateid = null;
        currentObject = null;
    }

    /** On a data server: makes the object of a data-server filehandle current. */
    public void currentObject(DsHandle h) {
        currentFh(h.fid());
        currentObject = h;
    }

    /** The object of the current data-server filehandle; NFS4ERR_NOFILEHANDLE without one. */
    public DsHandle currentObject() {
        if (currentObject == null) {
            throw new NfsException(NFS4ERR_NOFILEHANDLE, "no current data-server filehandle");
        }
        return currentObject;
    }

    public void clearCurrentFh() {
        currentFh = null;
        currentStateid = null;
        currentObject = null;
    }

    public Fid savedFh() {
        if (savedFh == null) {
            throw new NfsException(NFS4ERR_NOFILEHANDLE, "no saved filehandle");
        }
        return savedFh;
    }

    public void save() {
        savedFh = currentFh();
        savedStateid = currentStateid;
        savedObject = currentObject;
    }

    public void restore() {
        if (savedFh == null) {
            throw new NfsException(NFS4ERR_RESTOREFH, "no saved filehandle");
        }
        currentFh = savedFh;
        currentStateid = savedStateid;
        currentObject = savedObject;
    }

    public void currentStateid(Stateid4 s) {
        currentStateid = s;
    }

    /** The stateid an operation names: the special "current stateid" becomes the compound's. */
    public Stateid4 stateid(Stateid4 s) {
        if (!s.isCurrent()) {
            return s;
        }
        if (currentStateid == null) {
            throw new NfsException(NFS4ERR_BAD_STATEID, "no current stateid");
        }
        return currentStateid;
    }

    /**
     * The attributes of a file as clients should see them: sizes of writes not yet committed included,
     * those pending in FileIo and, on a pNFS metadata server, those on the data servers (the glimpse).
     * What LOOKUP or OPEN got from the MDS earlier in this compound serves, unless an operation that
     * changes things came between or an open of the file wrote (its writes may be pending in FileIo).
     */
    public Attr attr(Fid fid) {
        Attr a = knownAttr(fid);
        if (!recentGlimpsed && server.pnfs() instanceof MetadataServerRole role) {
            MetadataServerRole.Glimpse g = role.glimpse(server, a);
            a = g.attr();
            recentSpaceAsked = g.spaceUsedAsked();
        }
        recent = a;
        recentGlimpsed = true;
        return a;
    }

    /** As {@link #attr} without the glimpse: for what the data servers cannot change (type, owner, mode). */
    public Attr knownAttr(Fid fid) {
        Attr a = recent;
        if (a == null || !a.fid().equals(fid) || server.state().written(fid)) {
            a = server.io().getattr(fid);
            recent = a;
            recentGlimpsed = false;
            recentSpaceAsked = false;
        }
        return a;
    }

    /** An OPEN of this compound created {@code fid}: it is new and empty. */
    public void created(Fid fid) {
        created = fid;
    }

    /** Whether an OPEN earlier in this compound created {@code fid}. */
    public boolean createdHere(Fid fid) {
        return fid.equals(created);
    }

    /**
     * The subset of {@code mask} ({@link Access} bits) the caller is granted on a file: the MDS's rule
     * applied to the attributes this compound already has (an OPEN or LOOKUP just returned them) or reads
     * once, for this and a GETATTR after it (Linux sends ACCESS with GETATTR, and after OPEN).
     */
    public int access(Fid fid, int mask) {
        Caller c = caller();
        return Access.granted(c, knownAttr(fid), mask);
    }

    /** Attributes just read or returned by the MDS. */
    public void remember(Attr a) {
        recent = a;
        recentGlimpsed = false;
        recentSpaceAsked = false;
    }

    /** Something may have changed: attributes remembered earlier in the compound no longer hold. */
    public void forgetAttributes() {
        recent = null;
        recentGlimpsed = false;
        recentSpaceAsked = false;
    }

    /** statfs, asked once per compound at most. */
    public FsStat statfs() {
        if (statfs == null) {
            statfs = server.md().statfs();
        }
        return statfs;
    }

    /**
     * What GETATTR encodes a file's attributes from; space_used is asked of the OSTs (holes do not count),
     * within {@link ServerContext#ostCalls}: when they fail or are late (an OSS down), the MDS's estimate
     * is answered, as READDIR answers, rather than NFS4ERR_DELAY. Attributes the pNFS glimpse just made
     * (see {@link #attr}) already carry what the same stats of the objects said.
     */
    public AttrEncoder.Target target(Attr a) {
        Supplier<FsStat> fs = this::statfs;
        boolean asked = a == recent && recentSpaceAsked;
        return new AttrEncoder.Target(a, () -> server.handles().encode(a.fid()), fs, server.state().isHidden(a.fid()),
                () -> !asked && a.isRegular() && a.size() > 0 ? spaceUsed(a) : a.spaceUsed());
    }

    /**
     * space_used of a regular file from its OSTs: the answer FileIo keeps for the file's change attribute when
     * there is one (Linux asks space_used in every GETATTR, OPEN's and CLOSE's too: without it every stat of a
     * striped file is a round trip to each OSS holding a stripe), else asked and kept. Not kept while a pNFS
     * write layout of the file is out: its holder writes the objects without moving the change attribute.
     */
    private long spaceUsed(Attr a) {
        FileIo io = server.io();
        boolean keep = !(server.pnfs() instanceof MetadataServerRole role && role.layouts().writeHeld(a.fid()));
        if (keep) {
            OptionalLong kept = io.keptSpaceUsed(a);
            if (kept.isPresent()) {
                return kept.getAsLong();
            }
        }
        return server.ostCalls().ask(a.fid(), "space_used", FAULT_SPACE_USED,
                () -> keep ? io.spaceUsed(a) : io.spaceUsed(a.fid()), a.spaceUsed());
    }

    /** As {@link #target} but with the MDS's estimate of space_used: for READDIR, where asking the OSTs per entry costs too much. */
    public AttrEncoder.Target listingTarget(Attr a) {
        Supplier<FsStat> fs = this::statfs;
        return new AttrEncoder.Target(a, () -> server.handles().encode(a.fid()), fs, false, a::spaceUsed);
    }
}
