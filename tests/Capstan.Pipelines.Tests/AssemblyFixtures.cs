using Capstan.Testing;

// A PostgreSQL cluster, started only if a test asks for a database.
[assembly: AssemblyFixture(typeof(PostgresServer))]
