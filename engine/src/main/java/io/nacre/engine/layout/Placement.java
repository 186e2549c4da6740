package io.nacre.engine.layout;

import java.util.List;
import java.util.Objects;

/** Where the bytes of one layout component live. */
public sealed interface Placement {

    /** Stripe sizes are multiples of this (Lustre's LOV_MIN_STRIPE_SIZE). */
    int STRIPE_ALIGN = 64 * 1024;
    /** The largest stripe size we accept (Lustre's limit is 4 GiB; we keep sizes in an int). */
    int MAX_STRIPE_SIZE = 1 << 30;
    /** The largest stripe count (Lustre's LOV_MAX_STRIPE_COUNT). */
    int MAX_STRIPE_COUNT = 2000;

    /**
     * RAID0 over OST objects, dense packing. {@code objects} is empty until the component is
     * instantiated (PFL components get objects when a write first reaches them); then it holds one
     * object per stripe, in stripe order.
     */
    record Raid0(int stripeCount, int stripeSize, String pool, List<ObjectRef> objects) implements Placement {
        public Raid0 {
            checkStripeSize(stripeSize);
            if (stripeCount < 1 || stripeCount > MAX_STRIPE_COUNT) {
                throw new IllegalArgumentException("stripe count must be 1.." + MAX_STRIPE_COUNT + ": " + stripeCount);
            }
            pool = pool == null ? "" : pool;
            objects = List.copyOf(Objects.requireNonNull(objects, "objects"));
            if (!objects.isEmpty() && objects.size() != stripeCount) {
                throw new IllegalArgumentException(
                        "a RAID0 component has one object per stripe: " + objects.size() + " != " + stripeCount);
            }
        }

        public boolean instantiated() {
            return !objects.isEmpty();
        }

        public Raid0 withObjects(List<ObjectRef> objs) {
            return new Raid0(stripeCount, stripeSize, pool, objs);
        }
    }

    /** The bytes are kept by the MDS with the inode (small first component, Lustre's DoM). */
    record DataOnMdt() implements Placement {
    }

    /** HSM released: the bytes are only in the archive with this id (1..32). */
    record Released(int archiveId) implements Placement {
        public Released {
            if (archiveId < 0 || archiveId > 32) {
                throw new IllegalArgumentException("archive id must be 0..32: " + archiveId);
            }
        }
    }

    static void checkStripeSize(long stripeSize) {
        if (stripeSize < STRIPE_ALIGN || stripeSize > MAX_STRIPE_SIZE || stripeSize % STRIPE_ALIGN != 0) {
            throw new IllegalArgumentException("stripe size must be a multiple of 64 KiB from 64 KiB to 1 GiB: "
                    + stripeSize);
        }
    }
}
