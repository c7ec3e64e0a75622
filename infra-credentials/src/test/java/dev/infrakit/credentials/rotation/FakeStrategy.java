package dev.infrakit.credentials.rotation;

import dev.infrakit.credentials.SecretValue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A single-user target in memory: it accepts one password at a time. Apply sets it to PENDING's,
 * test checks it is PENDING's, rollback sets it back to CURRENT's. Each step can be made to fail
 * (a RuntimeException) or to crash (an Error) before or after its effect.
 */
final class FakeStrategy implements RotationStrategy {
    final AtomicReference<String> target = new AtomicReference<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger counter = new AtomicInteger();
    volatile String failAt;
    volatile String crashBefore;
    volatile String crashAfter;
    volatile boolean rollbackFails;
    volatile Runnable onCreate = () -> { };

    FakeStrategy(String initialPassword) {
        target.set(initialPassword);
    }

    private void enter(String step) {
        calls.add(step);
        if (step.equals(crashBefore)) {
            crashBefore = null;
            throw new Crash("before " + step);
        }
        if (step.equals(failAt)) {
            throw new IllegalStateException(step + " refused by the target");
        }
    }

    private void leave(String step) {
        if (step.equals(crashAfter)) {
            crashAfter = null;
            throw new Crash("after " + step);
        }
    }

    @Override
    public SecretValue create(RotationContext context) {
        enter("create");
        onCreate.run();
        String user = context.current().value().username().orElseThrow();
        SecretValue value = SecretValue.login(user, "pw-" + counter.incrementAndGet() + "-secret");
        leave("create");
        return value;
    }

    @Override
    public void apply(RotationContext context) {
        enter("apply");
        target.set(context.pending().value().password().orElseThrow());
        leave("apply");
    }

    @Override
    public void test(RotationContext context) {
        String pending = context.pending().value().password().orElseThrow();
        calls.add("test");
        if ("test".equals(crashBefore)) {
            crashBefore = null;
            throw new Crash("before test");
        }
        if ("test".equals(failAt)) {
            throw new IllegalStateException("login failed with password " + pending);
        }
        if (!pending.equals(target.get())) {
            throw new IllegalStateException("target does not accept PENDING");
        }
        leave("test");
    }

    @Override
    public void rollback(RotationContext context) {
        enter("rollback");
        if (rollbackFails) {
            throw new IllegalStateException("target unreachable");
        }
        target.set(context.current().value().password().orElseThrow());
        leave("rollback");
    }
}
