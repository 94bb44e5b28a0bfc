using Npgsql;

namespace Capstan.State.Tests;

public sealed class StateLocationTests
{
    private static NpgsqlConnectionStringBuilder Npgsql(StateLocation location) => new(location.ConnectionString);

    [Fact]
    public void Resolve_WithNothingGiven_IsStateDbInDotCapstanBesideTheManifest()
    {
        var location = StateLocation.Resolve(null, "  ", "/srv/shop");

        location.Engine.ShouldBe(StateEngine.Sqlite);
        location.FilePath.ShouldBe("/srv/shop/.capstan/state.db");
        location.DisplayLocation.ShouldBe("sqlite:/srv/shop/.capstan/state.db");
    }

    [Fact]
    public void Resolve_PrefersTheExplicitLocation_ThenTheEnvironment()
    {
        StateLocation.Resolve("sqlite:/a/explicit.db", "sqlite:/b/env.db", "/srv/shop").FilePath.ShouldBe("/a/explicit.db");
        StateLocation.Resolve(null, "sqlite:/b/env.db", "/srv/shop").FilePath.ShouldBe("/b/env.db");
        StateLocation.Resolve("", "postgres://u@db.internal/capstan", "/srv/shop").Engine.ShouldBe(StateEngine.Postgres);
    }

    [Theory]
    [InlineData("sqlite:/var/lib/capstan/state.db", "/var/lib/capstan/state.db")]
    [InlineData("SQLITE:/var/lib/capstan/state", "/var/lib/capstan/state")]
    [InlineData("/var/lib/capstan/state.db", "/var/lib/capstan/state.db")]
    [InlineData("  /tmp/x/../y/state.DB  ", "/tmp/y/state.DB")]
    public void Parse_SqliteForms_GiveTheFullPath(string text, string path)
    {
        var location = StateLocation.Parse(text);

        location.Engine.ShouldBe(StateEngine.Sqlite);
        location.FilePath.ShouldBe(path);
        location.DisplayLocation.ShouldBe("sqlite:" + path);
    }

    [Fact]
    public void Parse_RelativeSqlitePath_IsResolvedAgainstTheCurrentDirectory()
    {
        StateLocation.Parse("sqlite:data/state.db").FilePath.ShouldBe(Path.Combine(Environment.CurrentDirectory, "data", "state.db"));
        StateLocation.Parse("state.db").FilePath.ShouldBe(Path.Combine(Environment.CurrentDirectory, "state.db"));
    }

    [Fact]
    public void Parse_HomeRelativePath_IsResolvedAgainstHome()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        StateLocation.Parse("sqlite:~/capstan/state.db").FilePath.ShouldBe(Path.Combine(home, "capstan", "state.db"));
    }

    [Fact]
    public void Parse_PostgresUrl_BecomesAnNpgsqlConnectionString_AndDisplaysWithoutThePassword()
    {
        var location = StateLocation.Parse("postgres://capstan:s3cret@127.0.0.1:5433/capstan_prod");

        location.Engine.ShouldBe(StateEngine.Postgres);
        location.FilePath.ShouldBeNull();
        var builder = Npgsql(location);
        builder.Host.ShouldBe("127.0.0.1");
        builder.Port.ShouldBe(5433);
        builder.Username.ShouldBe("capstan");
        builder.Password.ShouldBe("s3cret");
        builder.Database.ShouldBe("capstan_prod");
        location.DisplayLocation.ShouldBe("postgres://capstan:***@127.0.0.1:5433/capstan_prod");
        location.ToString().ShouldBe(location.DisplayLocation);
    }

    [Fact]
    public void Parse_PostgresqlSchemeWithoutPort_UsesTheDefaultPort()
    {
        var location = StateLocation.Parse("postgresql://capstan@db.internal/capstan");

        Npgsql(location).Port.ShouldBe(5432);
        Npgsql(location).Password.ShouldBeNull();
        location.DisplayLocation.ShouldBe("postgres://capstan@db.internal:5432/capstan");
    }

    [Fact]
    public void Parse_UrlWithEscapedCharacters_UnescapesThem()
    {
        var location = StateLocation.Parse("postgres://ops%40corp:p%40ss%2Fw%3Ard@db.internal:5432/state%20db");

        Npgsql(location).Username.ShouldBe("ops@corp");
        Npgsql(location).Password.ShouldBe("p@ss/w:rd");
        Npgsql(location).Database.ShouldBe("state db");
        location.DisplayLocation.ShouldBe("postgres://ops%40corp:***@db.internal:5432/state%20db");
    }

    [Fact]
    public void Parse_UrlWithUnescapedSeparatorsInThePassword_TakesTheLastAtAsTheEndOfTheUserInfo()
    {
        var location = StateLocation.Parse("postgres://capstan:p@ss/w?rd@db.internal/capstan?sslmode=disable");

        Npgsql(location).Password.ShouldBe("p@ss/w?rd");
        Npgsql(location).Host.ShouldBe("db.internal");
        Npgsql(location).Database.ShouldBe("capstan");
        Npgsql(location).SslMode.ShouldBe(SslMode.Disable);
    }

    [Fact]
    public void Parse_UrlQueryParameters_AreTranslatedToNpgsqlKeywords()
    {
        var location = StateLocation.Parse(
            "postgres://capstan:pw@db.internal/capstan?sslmode=require&application_name=capstan-cli&connect_timeout=7&Maximum%20Pool%20Size=5");

        var builder = Npgsql(location);
        builder.SslMode.ShouldBe(SslMode.Require);
        builder.ApplicationName.ShouldBe("capstan-cli");
        builder.Timeout.ShouldBe(7);
        builder.MaxPoolSize.ShouldBe(5);
    }

    [Fact]
    public void Parse_IPv6HostAndSeveralHosts_AreAccepted()
    {
        var ipv6 = StateLocation.Parse("postgres://capstan@[::1]:5433/capstan");
        Npgsql(ipv6).Host.ShouldBe("::1");
        Npgsql(ipv6).Port.ShouldBe(5433);
        ipv6.DisplayLocation.ShouldBe("postgres://capstan@[::1]:5433/capstan");

        var several = StateLocation.Parse("postgres://capstan@db1:5432,db2:5433/capstan");
        Npgsql(several).Host.ShouldBe("db1:5432,db2:5433");
    }

    [Fact]
    public void Parse_NpgsqlConnectionString_IsAccepted_AndDisplayedAsAUrlWithoutThePassword()
    {
        var location = StateLocation.Parse("Host=127.0.0.1;Port=5432;Username=capstan;Password=s3cret;Database=capstan");

        location.Engine.ShouldBe(StateEngine.Postgres);
        Npgsql(location).Password.ShouldBe("s3cret");
        location.DisplayLocation.ShouldBe("postgres://capstan:***@127.0.0.1:5432/capstan");
    }

    [Theory]
    [InlineData("postgres://capstan:s3cret@:5432/capstan", "no host is given")]
    [InlineData("postgres://capstan:s3cret@db.internal:99999/capstan", "the port '99999' is not a number from 1 to 65535")]
    [InlineData("postgres://capstan:s3cret@db.internal:abc/capstan", "the port 'abc' is not a number from 1 to 65535")]
    [InlineData("postgres://capstan:s3cret@db.internal:5432", "no database is given")]
    [InlineData("postgres://capstan:s3cret@db.internal/capstan?nonsense=1", "the query parameter 'nonsense' is not supported or its value is invalid")]
    [InlineData("postgres://capstan:s3cret@db.internal/capstan?sslmode=sometimes", "the query parameter 'sslmode' is not supported or its value is invalid")]
    [InlineData("postgres://capstan:s3cret@db.internal/capstan?password", "the query parameter 'password' has no value")]
    [InlineData("postgres://capstan:s3c/r?et@db.internal:0/capstan", "the port '0' is not a number from 1 to 65535")]
    [InlineData("Host=db.internal;Password=s3cret;Colour=blue", "it is not a valid Npgsql connection string (check the keywords and values)")]
    [InlineData("Host=db.internal;Password=s3cret", "no database is given")]
    public void Parse_MalformedPostgresLocation_FailsWithTheReason_AndWithoutThePassword(string text, string reason)
    {
        var error = Should.Throw<StateStoreException>(() => StateLocation.Parse(text));

        error.Message.ShouldStartWith("invalid state location '");
        error.Message.ShouldContain($"': {reason}; use sqlite:PATH, a path ending in .db, or postgres://user:password@host:port/database");
        error.ToString().ShouldNotContain("s3cret");
        error.ToString().ShouldNotContain("s3c");
    }

    [Theory]
    [InlineData("mysql://root@db/capstan")]
    [InlineData("state")]
    [InlineData("   ")]
    [InlineData("sqlite:")]
    [InlineData("sqlite::memory:")]
    [InlineData("sqlite:/var/lib/capstan/")]
    public void Parse_SomethingElse_FailsListingTheAcceptedForms(string text)
    {
        var error = Should.Throw<StateStoreException>(() => StateLocation.Parse(text));

        error.Message.ShouldStartWith("invalid state location");
        error.Message.ShouldContain("sqlite:");
    }

    [Theory]
    [InlineData("postgres://u:pw@h/d", "postgres://u:***@h/d")]
    [InlineData("postgres://u:p@w/x@h/d?sslmode=require", "postgres://u:***@h/d?sslmode=require")]
    [InlineData("postgres://u@h/d?password=pw&sslmode=require", "postgres://u@h/d?password=***&sslmode=require")]
    [InlineData("Host=h;Password=pw;Database=d", "Host=h;Password=***;Database=d")]
    [InlineData("Host=h; pwd = 'p;w' ;Database=d", "Host=h; pwd = *** ;Database=d")]
    public void Redact_HidesPasswordsInUrlsAndConnectionStrings(string text, string redacted)
    {
        PostgresLocation.Redact(text).ShouldBe(redacted);
    }
}
