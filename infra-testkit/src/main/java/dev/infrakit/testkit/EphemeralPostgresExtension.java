package dev.infrakit.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import javax.sql.DataSource;

/**
 * JUnit 5 extension that hands each test class (or each test method) its own empty database on
 * the JVM's shared {@link EphemeralPostgres} server.
 *
 * <p>Declare it and ask for a {@link TestDatabase}, a {@link DataSource} or the
 * {@link EphemeralPostgres} server as a parameter of a constructor, a lifecycle method or a test:
 *
 * <pre>{@code
 * @ExtendWith(EphemeralPostgresExtension.class)   // one database per test class
 * class AccountRepositoryIT {
 *     @Test
 *     void savesAccounts(DataSource dataSource) { ... }
 * }
 *
 * class LedgerIT {
 *     @RegisterExtension
 *     static final EphemeralPostgresExtension postgres = EphemeralPostgresExtension.perMethod();
 *     ...
 * }
 * }</pre>
 *
 * <p>The database is created on first use and dropped after the class (or method). Thread-safe;
 * test classes may run in parallel.
 */
public final class EphemeralPostgresExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EphemeralPostgresExtension.class);
    private static final String KEY = "database";

    private final boolean perMethod;

    /** One database per test class: what {@code @ExtendWith(EphemeralPostgresExtension.class)} gives. */
    public EphemeralPostgresExtension() {
        this(false);
    }

    private EphemeralPostgresExtension(boolean perMethod) {
        this.perMethod = perMethod;
    }

    /** One database per test class, shared by its test methods. */
    public static EphemeralPostgresExtension perClass() {
        return new EphemeralPostgresExtension(false);
    }

    /** A fresh database for every test method. */
    public static EphemeralPostgresExtension perMethod() {
        return new EphemeralPostgresExtension(true);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestDatabase.class || type == DataSource.class || type == EphemeralPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == EphemeralPostgres.class) {
            return EphemeralPostgres.shared();
        }
        TestDatabase database = database(context);
        return type == DataSource.class ? database.dataSource() : database;
    }

    private TestDatabase database(ExtensionContext context) {
        ExtensionContext owner = context;
        if (!perMethod) {
            while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
                owner = owner.getParent().get();
            }
        } else if (owner.getTestMethod().isEmpty()) {
            throw new IllegalStateException("EphemeralPostgresExtension.perMethod() creates a database per test "
                    + "method, so it cannot inject one into a constructor or @BeforeAll method of "
                    + context.getRequiredTestClass().getName() + "; use perClass() or a @BeforeEach method");
        }
        String prefix = owner.getRequiredTestClass().getSimpleName()
                + owner.getTestMethod().map(m -> "_" + m.getName()).orElse("");
        return owner.getStore(NAMESPACE).computeIfAbsent(KEY,
                key -> EphemeralPostgres.shared().createDatabase(prefix), TestDatabase.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        drop(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        drop(context);
    }

    private static void drop(ExtensionContext context) {
        TestDatabase database = context.getStore(NAMESPACE).remove(KEY, TestDatabase.class);
        if (database != null) {
            database.close();
        }
    }
}
