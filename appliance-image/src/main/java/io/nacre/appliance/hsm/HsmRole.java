package io.nacre.appliance.hsm;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAgent;
import io.nacre.engine.hsm.PolicyEngine;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.ObjectStore;
import io.nacre.s3.copytool.S3ArchiveConfig;
import io.nacre.s3.copytool.S3Copytool;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HSM roles of a process, from its {@link HsmSettings}: an S3 copytool and an agent for each
 * archive, and the policy engine when rules are configured (and {@code policy} is asked for: a
 * {@code nacre copytool} process runs agents only). {@code nacre up} runs one in the node.
 */
public final class HsmRole implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HsmRole.class);

    private final HsmSettings settings;
    private final Map<Integer, S3Copytool> copytools = new LinkedHashMap<>();
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private PolicyEngine policy;

    private HsmRole(HsmSettings settings) {
        this.settings = settings;
    }

    /** Starts the copytools and agents, and with {@code policy} the policy engine; stops what started on failure. */
    public static HsmRole start(MetadataService mds, FileIo io, ObjectStore objects, HsmSettings settings, boolean policy) {
        requireNonNull(settings, "settings");
        HsmRole role = new HsmRole(settings);
        try {
            for (S3ArchiveConfig c : settings.archives()) {
                S3Copytool ct = new S3Copytool(c);
                role.toClose.push(ct);
                role.copytools.put(c.archiveId(), ct);
                HsmAgent.Builder b = HsmAgent.builder(mds, io, ct).maxActions(settings.maxActions());
                if (settings.agentName() != null) {
                    b.name(settings.agentName() + (settings.archives().size() > 1 ? "-" + c.archiveId() : ""));
                }
                role.toClose.push(b.build().start());
                LOG.info("HSM archive {} is {} ({})", c.archiveId(), c.location(),
                        c.endpoint() == null ? "AWS" : c.endpoint());
            }
            if (policy && !settings.policy().isEmpty()) {
                role.policy = PolicyEngine.builder(mds, io, objects, settings.policy()).interval(settings.policyInterval())
                        .build().start();
                role.toClose.push(role.policy);
            }
            return role;
        } catch (RuntimeException | Error e) {
            role.close();
            throw e;
        }
    }

    public HsmSettings settings() {
        return settings;
    }

    /** The copytool of an archive id; NOT_FOUND when this process has none for it. */
    public S3Copytool copytool(int archiveId) {
        S3Copytool c = copytools.get(archiveId);
        if (c == null) {
            throw new NacreException(Status.NOT_FOUND, "no archive " + archiveId + " is configured here"
                    + (copytools.isEmpty() ? " (start nacre up with --hsm-config or --archive)" : " (configured: "
                    + copytools.keySet() + ")"));
        }
        return c;
    }

    public List<Integer> archiveIds() {
        return List.copyOf(copytools.keySet());
    }

    /** The policy engine, or null when none runs here. */
    public PolicyEngine policy() {
        return policy;
    }

    @Override
    public void close() {
        while (!toClose.isEmpty()) {
            AutoCloseable c = toClose.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed", c, e);
            }
        }
    }
}
