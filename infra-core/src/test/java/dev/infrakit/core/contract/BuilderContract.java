package dev.infrakit.core.contract;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the rule every Infrakit builder keeps: a setting given twice is refused with an
 * {@link IllegalStateException} saying "... was already set", never showing the value. Each public
 * setter (a public method returning the builder's own type) is called twice on a fresh builder with
 * a valid value: the first call must succeed and the second must be refused.
 *
 * <pre>{@code
 * BuilderContract.of(LocalRateLimitStore::builder).check();
 * BuilderContract.of(() -> DirectorySource.builder(dir)).adders("include", "exclude")
 *         .value("name", "data").check();
 * }</pre>
 *
 * Values: an interface parameter gets a proxy that fails when called (setters only keep it); other
 * types get a built-in valid value ({@code "a"}, 1, 0.5, true, one second, an enum's first
 * constant, {@link Clock#systemUTC()}) unless {@link #value(String, Object...)} names the
 * arguments for a method.
 */
public final class BuilderContract {
    private final Supplier<?> newBuilder;
    private final List<String> adders = new ArrayList<>();
    private final Map<String, Object[]> values = new HashMap<>();
    private final Map<Class<?>, Object> typed = new HashMap<>();

    private BuilderContract(Supplier<?> newBuilder) {
        this.newBuilder = newBuilder;
    }

    /** A check of the builders {@code newBuilder} creates (one per setter tried). */
    public static BuilderContract of(Supplier<?> newBuilder) {
        return new BuilderContract(newBuilder);
    }

    /** Methods that add to a list (each call adds one more) rather than set a value: not checked. */
    public BuilderContract adders(String... names) {
        adders.addAll(List.of(names));
        return this;
    }

    /** The arguments to pass to the setter {@code method} (every overload of that name with as many parameters). */
    public BuilderContract value(String method, Object... arguments) {
        values.put(method + "/" + arguments.length, arguments);
        return this;
    }

    /** The value to pass for every parameter of {@code type} without a {@link #value} of its own. */
    public <T> BuilderContract value(Class<T> type, T value) {
        typed.put(type, value);
        return this;
    }

    /**
     * Calls every setter twice on a fresh builder, and fails unless the first call succeeds and the
     * second throws {@link IllegalStateException} ending in "was already set".
     *
     * @return the names of the setters checked, so a caller can assert none was missed
     */
    public Set<String> check() {
        Class<?> type = newBuilder.get().getClass();
        List<String> checked = new ArrayList<>();
        for (Method method : type.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || !method.getReturnType().isAssignableFrom(type)
                    || method.getReturnType() == Object.class || adders.contains(method.getName())) {
                continue;
            }
            Object[] arguments = arguments(method);
            Object builder = newBuilder.get();
            String setter = type.getSimpleName() + "." + method.getName() + List.of(method.getParameterTypes());
            try {
                method.invoke(builder, arguments);
            } catch (InvocationTargetException e) {
                fail(setter + " refused a valid value: " + e.getCause(), e.getCause());
            } catch (IllegalAccessException e) {
                fail(setter + " cannot be called: " + e);
            }
            try {
                method.invoke(builder, arguments);
                fail(setter + " accepted a second value; a setting given twice must be refused");
            } catch (InvocationTargetException e) {
                Throwable refusal = e.getCause();
                assertEquals(IllegalStateException.class, refusal.getClass(), setter + ": " + refusal);
                assertTrue(refusal.getMessage().endsWith(" was already set"), setter + ": " + refusal.getMessage());
                for (Object argument : arguments) {
                    if (argument instanceof String || argument instanceof Number) {
                        assertFalse(refusal.getMessage().contains("to " + argument), setter + " shows the value");
                    }
                }
            } catch (IllegalAccessException e) {
                fail(setter + " cannot be called: " + e);
            }
            checked.add(method.getName());
        }
        assertFalse(checked.isEmpty(), type.getName() + " has no setters to check");
        return Set.copyOf(checked);
    }

    private Object[] arguments(Method method) {
        Object[] given = values.get(method.getName() + "/" + method.getParameterCount());
        if (given != null) {
            return given;
        }
        Class<?>[] types = method.getParameterTypes();
        Object[] arguments = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            arguments[i] = valueOf(types[i]);
        }
        return arguments;
    }

    private Object valueOf(Class<?> type) {
        if (typed.containsKey(type)) {
            return typed.get(type);
        }
        if (type == String.class) {
            return "a";
        } else if (type == int.class || type == Integer.class) {
            return 1;
        } else if (type == long.class || type == Long.class) {
            return 5L;
        } else if (type == double.class || type == Double.class) {
            return 0.5;
        } else if (type == boolean.class || type == Boolean.class) {
            return true;
        } else if (type == Duration.class) {
            return Duration.ofSeconds(1);
        } else if (type == Clock.class) {
            return Clock.systemUTC();
        } else if (type == char[].class) {
            return "a".toCharArray();
        } else if (type == String[].class) {
            return new String[] {"/a"};
        } else if (type == Path.class) {
            return Path.of(".").toAbsolutePath();
        } else if (type.isEnum()) {
            return type.getEnumConstants()[0];
        } else if (type.isInterface()) {
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
                switch (m.getName()) {
                    case "toString":
                        return "a " + type.getSimpleName();
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        throw new UnsupportedOperationException(type.getSimpleName() + "." + m.getName()
                                + " called by a builder setter");
                }
            });
        }
        throw new IllegalArgumentException("No value for a parameter of type " + type.getName()
                + ": give one with value(type, value) or value(method, arguments)");
    }
}
