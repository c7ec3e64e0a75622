/**
 * Contract test kits: JUnit 5 abstract test classes that an implementation of an Infrakit SPI
 * extends to prove it honours the SPI's contract. Each kit asks for a factory method (a fresh store,
 * repository or provider) and runs its tests against what it returns:
 * {@link dev.infrakit.test.contract.CredentialStoreContract},
 * {@link dev.infrakit.test.contract.ApiKeyStoreContract},
 * {@link dev.infrakit.test.contract.RateLimitStoreContract} (and
 * {@link dev.infrakit.test.contract.SharedLoginThrottleContract} for one shared by instances),
 * {@link dev.infrakit.test.contract.BackupRepositoryContract},
 * {@link dev.infrakit.test.contract.BackupSourceContract},
 * {@link dev.infrakit.test.contract.AuditSinkContract},
 * {@link dev.infrakit.test.contract.HealthCheckContract},
 * {@link dev.infrakit.test.contract.NotifierContract} (and
 * {@link dev.infrakit.test.contract.RemoteNotifierContract} for one whose destination can fail) and, for every
 * {@link dev.infrakit.core.Provider} registered with ServiceLoader,
 * {@link dev.infrakit.test.contract.ProviderContract}. Every built-in implementation runs them in
 * infra-test's own tests.
 */
package dev.infrakit.test.contract;
