package dev.infrakit.test.schedule;

import dev.infrakit.core.schedule.ClusterLock;
import dev.infrakit.core.schedule.LocalClusterLock;
import dev.infrakit.test.contract.ClusterLockContract;

/** The one-JVM lock against the cluster-lock contract: its handles are the one instance. */
class LocalClusterLockContractTest extends ClusterLockContract {
    private final LocalClusterLock lock = LocalClusterLock.create();

    @Override
    protected ClusterLock createLock() {
        return lock;
    }
}
