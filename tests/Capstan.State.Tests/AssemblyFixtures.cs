using Capstan.Testing;

// One PostgreSQL cluster for the whole test assembly; each test gets its own database on it.
[assembly: AssemblyFixture(typeof(PostgresServer))]
