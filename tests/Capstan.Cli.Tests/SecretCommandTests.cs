using System.Text.Json;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.State;

namespace Capstan.Cli.Tests;

public class SecretCommandTests
{
    [Fact]
    public async Task Set_FromStdin_ThenGet_PrintsTheValue()
    {
        using var project = new SecretProject();

        var set = await project.Pipe("postgres://app:s3cret-pw@db/shop\n", "secret", "set", "DATABASE_URL", "--env", "production");
        var get = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");

        set.ExitCode.ShouldBe(ExitCodes.Success, set.Error);
        set.Output.ShouldStartWith("stored DATABASE_URL in production: version 1, encrypted with mk_");
        get.ExitCode.ShouldBe(ExitCodes.Success, get.Error);
        get.Output.ShouldBe("postgres://app:s3cret-pw@db/shop\n", "one trailing newline of stdin is dropped");
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "master.key")).ShouldBeTrue();
    }

    [Fact]
    public async Task Set_WithTheValueOnTheCommandLine_IsRefused_AndStoresNothing()
    {
        using var project = new SecretProject();

        var run = await project.Run("secret", "set", "STRIPE_KEY", "sk_live_abcdef123456", "--env", "production");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("refusing a secret value on the command line: it would stay in your shell history and be visible in ps");
        run.Error.ShouldNotContain("sk_live_abcdef123456");
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "state.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task Set_WithValue_StoresIt_WithAWarning()
    {
        using var project = new SecretProject();

        var run = await project.Run("secret", "set", "STRIPE_KEY", "--env", "production", "--value", "sk_live_abcdef123456");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        run.Error.ShouldContain("warning: a value given with --value stays in your shell history and is visible in ps");
    }

    [Fact]
    public async Task Set_FromFile_KeepsAMultiLineValueExactly()
    {
        using var project = new SecretProject();
        const string pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
        project.Write("key.pem", pem);

        (await project.Run("secret", "set", "ONCALL_WEBHOOK", "--env", "staging", "--from-file", "key.pem")).ExitCode.ShouldBe(ExitCodes.Success);
        var get = await project.Run("secret", "get", "ONCALL_WEBHOOK", "--env", "staging");

        get.Output.ShouldBe(pem + "\n");
    }

    [Fact]
    public async Task Set_OfAShortValue_OrOfSomethingUndeclared_Warns()
    {
        using var project = new SecretProject();

        var run = await project.Pipe("abc", "secret", "set", "TYPO_KEY", "--env", "prod");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        run.Error.ShouldContain("warning: the value of TYPO_KEY is shorter than 6 characters, so logs will not mask it");
        run.Error.ShouldContain("warning: secret TYPO_KEY is not declared in capstan.yaml (declared: DATABASE_URL, STRIPE_KEY, ONCALL_WEBHOOK)");
        run.Error.ShouldContain("warning: environment prod is not declared in capstan.yaml (declared: staging, production)");
    }

    [Fact]
    public async Task Set_AnEmptyValue_IsRefused()
    {
        using var project = new SecretProject();

        var run = await project.Pipe("\n", "secret", "set", "STRIPE_KEY", "--env", "production");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("the value of STRIPE_KEY is empty");
    }

    [Fact]
    public async Task Get_OfAMissingSecret_SaysHowToSetIt()
    {
        using var project = new SecretProject();
        await project.Set("STRIPE_KEY", "staging", "sk_test_123456789");

        var run = await project.Run("secret", "get", "STRIPE_KEY", "--env", "production");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("secret STRIPE_KEY has no value in environment production; set it with: capstan secret set STRIPE_KEY --env production");
    }

    [Fact]
    public async Task List_ShowsVersionsRotationDueAndWhatIsNotSet_NeverValues()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "postgres://list-canary");
        await project.Set("DATABASE_URL", "production", "postgres://list-canary-2");
        await project.Set("STRIPE_KEY", "staging", "sk_test_list_canary");

        var run = await project.Run("secret", "list");
        var json = await project.Run("secret", "list", "--env", "production", "--json");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        var lines = run.Output.TrimEnd().Split('\n');
        lines[0].ShouldStartWith("ENVIRONMENT  NAME            VERSION  CHANGED");
        run.Output.ShouldContain("production   DATABASE_URL    2");
        run.Output.ShouldContain("production   STRIPE_KEY      -        not set");
        run.Output.ShouldContain("staging      ONCALL_WEBHOOK  -        not set");
        run.Output.ShouldContain(" ana ");
        run.Output.ShouldContain("due 20");
        run.Output.ShouldNotContain("canary");
        using var document = JsonDocument.Parse(json.Output);
        var rows = document.RootElement.EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("name").GetString()).ShouldBe(["DATABASE_URL", "ONCALL_WEBHOOK", "STRIPE_KEY"]);
        rows[0].GetProperty("version").GetInt32().ShouldBe(2);
        rows[0].GetProperty("overdue").GetBoolean().ShouldBeFalse();
        rows[2].GetProperty("version").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task ListAndValidate_FlagSecretsPastTheirRotateAge()
    {
        using var project = new SecretProject();
        await project.Set("ONCALL_WEBHOOK", "production", "https://hooks.example/abc");
        // A value stored 31 days ago, through the vault with a clock in the past.
        await using (var store = await StateStore.OpenAsync(StateLocation.ForSqliteFile(System.IO.Path.Combine(project.CapstanDirectory, "state.db")), null, TestContext.Current.CancellationToken))
        {
            using var keys = MasterKeySource.Load(project.CapstanDirectory, _ => null, create: false);
            var vault = new SecretVault(store, keys, "shop", "ana", new FixedClock(DateTimeOffset.UtcNow.AddDays(-31)));
            await vault.SetAsync("production", "STRIPE_KEY", "sk_live_old_key_1234", TestContext.Current.CancellationToken);
        }

        var list = await project.Run("secret", "list", "--env", "production");
        var validate = await project.Run("validate");

        list.Output.ShouldContain("OVERDUE since");
        validate.ExitCode.ShouldBe(ExitCodes.Success, validate.Error);
        validate.Error.ShouldContain("capstan.yaml:13:3: warning CAP042: secret STRIPE_KEY in production was last set 31d ago, past its rotate period of 30d; rotate it: capstan secret rotate STRIPE_KEY --env production");
        validate.Output.ShouldContain("is valid (1 warning)");
    }

    [Fact]
    public async Task History_ShowsEveryVersionAndItsState()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "staging", "first-value-123");
        await project.Set("DATABASE_URL", "staging", "second-value-456");

        var run = await project.Run("secret", "history", "DATABASE_URL", "--env", "staging");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        var lines = run.Output.TrimEnd().Split('\n');
        lines[0].ShouldBe("VERSION  CREATED               BY   KEY                  STATE");
        lines[1].ShouldStartWith("1        20");
        lines[1].ShouldContain("readable until");
        lines[2].ShouldEndWith("current");
        run.Output.ShouldNotContain("value");
    }

    [Fact]
    public async Task Remove_DeletesEveryVersion()
    {
        using var project = new SecretProject();
        await project.Set("STRIPE_KEY", "staging", "sk_test_remove_me_1");

        var rm = await project.Run("secret", "rm", "STRIPE_KEY", "--env", "staging");
        var get = await project.Run("secret", "get", "STRIPE_KEY", "--env", "staging");
        var again = await project.Run("secret", "rm", "STRIPE_KEY", "--env", "staging");

        rm.Output.ShouldBe("removed STRIPE_KEY from staging (1 version)\n");
        get.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        again.Error.ShouldContain("nothing to remove");
    }

    [Fact]
    public async Task Rotate_WithGenerate_StoresANewValue_AndTheOldOneStaysReadableDuringGrace()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "the-old-password");

        var rotate = await project.Run("secret", "rotate", "DATABASE_URL", "--env", "production", "--generate", "--length", "40");
        var current = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");
        var previous = await project.Run("secret", "get", "DATABASE_URL", "--env", "production", "--version", "1");

        rotate.ExitCode.ShouldBe(ExitCodes.Success, rotate.Error);
        rotate.Output.ShouldBe("rotated DATABASE_URL in production: version 2; version 1 stays readable for 2h\n");
        current.Output.TrimEnd().ShouldMatch("^[A-Za-z0-9]{40}$");
        previous.Output.ShouldBe("the-old-password\n");
    }

    [Fact]
    public async Task Rotate_RunsTheRotationCommandWithTheNewValueOnStdin_InsideTheTransaction()
    {
        using var project = new SecretProject(SecretProject.Manifest.Replace(
            "STRIPE_KEY: { rotate: 30d }",
            "STRIPE_KEY: { rotate: 30d, rotate_command: 'cat > applied.txt; echo \"applied $CAPSTAN_SECRET_NAME in $CAPSTAN_ENV: $(cat applied.txt)\"' }",
            StringComparison.Ordinal));
        await project.Set("STRIPE_KEY", "production", "sk_live_old_value_1");

        var rotate = await project.Pipe("sk_live_new_value_2", "secret", "rotate", "STRIPE_KEY", "--env", "production");

        rotate.ExitCode.ShouldBe(ExitCodes.Success, rotate.Error);
        File.ReadAllText(System.IO.Path.Combine(project.Path, "applied.txt")).ShouldBe("sk_live_new_value_2");
        rotate.Error.ShouldContain("applied STRIPE_KEY in production: ***", customMessage: "the command's output is masked");
        rotate.Error.ShouldNotContain("sk_live_new_value_2");
        (await project.Run("secret", "get", "STRIPE_KEY", "--env", "production")).Output.ShouldBe("sk_live_new_value_2\n");
    }

    [Fact]
    public async Task Rotate_WhenTheRotationCommandFails_ChangesNothing()
    {
        using var project = new SecretProject(SecretProject.Manifest.Replace(
            "STRIPE_KEY: { rotate: 30d }",
            "STRIPE_KEY: { rotate: 30d, rotate_command: 'echo \"rejected $(cat)\" >&2; exit 7' }",
            StringComparison.Ordinal));
        await project.Set("STRIPE_KEY", "production", "sk_live_kept_value");

        var rotate = await project.Pipe("sk_live_refused_value", "secret", "rotate", "STRIPE_KEY", "--env", "production");

        rotate.ExitCode.ShouldBe(ExitCodes.Failure);
        rotate.Error.ShouldContain("the rotation command of STRIPE_KEY failed (exit 7); nothing was changed");
        rotate.Error.ShouldContain("rejected ***");
        rotate.Error.ShouldNotContain("sk_live_refused_value");
        (await project.Run("secret", "get", "STRIPE_KEY", "--env", "production")).Output.ShouldBe("sk_live_kept_value\n");
        (await project.Run("secret", "history", "STRIPE_KEY", "--env", "production")).Output.TrimEnd().Split('\n').Length.ShouldBe(2);
    }

    [Fact]
    public async Task Import_StoresEveryValue_AndExportWritesThemBack()
    {
        using var project = new SecretProject();
        project.Write("staging.env", "# staging secrets\nDATABASE_URL=postgres://app:pw@db/shop\nexport STRIPE_KEY='sk_test_$abc'\nONCALL_WEBHOOK=\"https://hooks.example/x?a=1&b=2\"\n");

        var import = await project.Run("secret", "import", "staging.env", "--env", "staging");
        var export = await project.Run("secret", "export", "--env", "staging", "--format", "dotenv");

        import.ExitCode.ShouldBe(ExitCodes.Success, import.Error);
        import.Output.ShouldBe("imported 3 secrets into staging: DATABASE_URL, STRIPE_KEY, ONCALL_WEBHOOK\n");
        export.ExitCode.ShouldBe(ExitCodes.Success, export.Error);
        export.Output.ShouldBe("DATABASE_URL=\"postgres://app:pw@db/shop\"\nONCALL_WEBHOOK=\"https://hooks.example/x?a=1&b=2\"\nSTRIPE_KEY=\"sk_test_\\$abc\"\n");
    }

    [Fact]
    public async Task Import_OfAFileWithBadLines_NamesThem_AndImportsNothing()
    {
        using var project = new SecretProject();
        project.Write("bad.env", "DATABASE_URL=ok-value-1\nnot a line\nSTRIPE-KEY=x\n");

        var run = await project.Run("secret", "import", "bad.env", "--env", "staging");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("bad.env:line 2: expected NAME=value");
        run.Error.ShouldContain("bad.env:line 3: 'STRIPE-KEY' is not a variable name");
        run.Error.ShouldContain("bad.env has 2 line(s) Capstan cannot read; nothing was imported");
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "state.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task Export_WithoutFormat_IsAUsageError()
    {
        using var project = new SecretProject();

        var run = await project.Run("secret", "export", "--env", "staging");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("--format");
    }

    [Fact]
    public async Task Rekey_WithAKeyFile_ReplacesTheKey_AndKeepsEveryValue()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "rekey-value-prod");
        await project.Set("STRIPE_KEY", "staging", "rekey-value-staging");
        var before = File.ReadAllText(System.IO.Path.Combine(project.CapstanDirectory, "master.key"));

        var rekey = await project.Run("secret", "rekey");

        rekey.ExitCode.ShouldBe(ExitCodes.Success, rekey.Error);
        rekey.Output.ShouldContain("re-keyed 2 secret versions from mk_");
        File.ReadAllText(System.IO.Path.Combine(project.CapstanDirectory, "master.key")).ShouldNotBe(before);
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "master.key.next")).ShouldBeFalse();
        (await project.Run("secret", "get", "DATABASE_URL", "--env", "production")).Output.ShouldBe("rekey-value-prod\n");
        (await project.Run("audit", "verify")).ExitCode.ShouldBe(ExitCodes.Success);
    }

    [Fact]
    public async Task Rekey_WithTheKeyInTheEnvironment_TakesTheNewKeyFromStdin()
    {
        using var project = new SecretProject();
        using var old = MasterKey.Generate();
        using var replacement = MasterKey.Generate();
        project.Environment["CAPSTAN_MASTER_KEY"] = old.ToBase64();
        await project.Set("DATABASE_URL", "production", "env-keyed-value");

        var refused = await project.Run("secret", "rekey");
        var rekey = await project.Pipe(replacement.ToBase64() + "\n", "secret", "rekey", "--new-key-stdin");
        var stale = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");
        project.Environment["CAPSTAN_MASTER_KEY"] = replacement.ToBase64();
        var fresh = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");

        refused.ExitCode.ShouldBe(ExitCodes.Usage);
        refused.Error.ShouldContain("pipe it to 'capstan secret rekey --new-key-stdin'");
        rekey.ExitCode.ShouldBe(ExitCodes.Success, rekey.Error);
        rekey.Output.ShouldContain($"from {old.Id} to {replacement.Id}");
        stale.Error.ShouldContain($"this state store is encrypted with master key {replacement.Id}, but the key loaded from CAPSTAN_MASTER_KEY is {old.Id}");
        fresh.Output.ShouldBe("env-keyed-value\n");
    }

    [Fact]
    public async Task AReKeyInterruptedAfterItsCommit_IsFinishedByTheNextCommand()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "survives-the-crash");
        // The crash window: the store is re-keyed, master.key.next written, but the rename never happened.
        using var next = MasterKey.Generate();
        MasterKeySource.TryCreateFile(System.IO.Path.Combine(project.CapstanDirectory, "master.key.next"), next).ShouldBeTrue();
        await using (var store = await StateStore.OpenAsync(StateLocation.ForSqliteFile(System.IO.Path.Combine(project.CapstanDirectory, "state.db")), null, TestContext.Current.CancellationToken))
        {
            using var keys = MasterKeySource.Load(project.CapstanDirectory, _ => null, create: false);
            await new SecretVault(store, keys, "shop", "ana").RekeyAsync(next, TestContext.Current.CancellationToken);
        }

        var get = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");

        get.ExitCode.ShouldBe(ExitCodes.Success, get.Error);
        get.Output.ShouldBe("survives-the-crash\n");
        get.Error.ShouldContain($"finished an interrupted re-key: master.key now holds {next.Id}");
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "master.key.next")).ShouldBeFalse();
        using var promoted = MasterKeySource.Load(project.CapstanDirectory, _ => null, create: false);
        promoted.Current.Id.ShouldBe(next.Id);
    }

    [Fact]
    public async Task AReKeyInterruptedBeforeItsCommit_LeavesTheOldKey_AndItsUnusedNextKeyIsRemoved()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "kept-under-old-key");
        using var unused = MasterKey.Generate();
        MasterKeySource.TryCreateFile(System.IO.Path.Combine(project.CapstanDirectory, "master.key.next"), unused).ShouldBeTrue();

        var get = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");

        get.Output.ShouldBe("kept-under-old-key\n");
        File.Exists(System.IO.Path.Combine(project.CapstanDirectory, "master.key.next")).ShouldBeFalse();
    }

    [Fact]
    public async Task TheWrongMasterKey_IsOneClearError_NamingTheKeyExpected()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "needs-the-right-key");
        using var wrong = MasterKey.Generate();
        project.Environment["CAPSTAN_MASTER_KEY"] = wrong.ToBase64();

        var get = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");
        var set = await project.Pipe("another-value-1", "secret", "set", "DATABASE_URL", "--env", "production");

        get.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        get.Error.ShouldContain("this state store is encrypted with master key mk_");
        get.Error.ShouldContain($"but the key loaded from CAPSTAN_MASTER_KEY is {wrong.Id}");
        set.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        project.Environment.Remove("CAPSTAN_MASTER_KEY");
        (await project.Run("secret", "history", "DATABASE_URL", "--env", "production")).Output.TrimEnd().Split('\n').Length.ShouldBe(2, "nothing was stored");
    }

    [Fact]
    public async Task AKeyFileReadableByOthers_IsRefused()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "private-key-test");
        File.SetUnixFileMode(System.IO.Path.Combine(project.CapstanDirectory, "master.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var run = await project.Run("secret", "get", "DATABASE_URL", "--env", "production");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("is readable by others (mode 0640); a master key must be private: run chmod 600");
    }

    [Fact]
    public async Task AuditList_ShowsWhoDidWhat_AndFilters()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "audit-list-value");
        await project.Run("secret", "get", "DATABASE_URL", "--env", "production");
        await project.Set("STRIPE_KEY", "staging", "sk_test_audit_1");

        var all = await project.Run("audit", "list");
        var one = await project.Run("audit", "list", "--secret", "STRIPE_KEY", "--json");
        var recent = await project.Run("audit", "list", "--since", "1h");
        var future = await project.Run("audit", "list", "--since", "2999-01-01");
        var bad = await project.Run("audit", "list", "--since", "yesterday");

        all.Output.TrimEnd().Split('\n').Length.ShouldBe(4);
        all.Output.ShouldContain("secret.read");
        using var json = JsonDocument.Parse(one.Output);
        json.RootElement.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldBe(["secret.set"]);
        recent.Output.TrimEnd().Split('\n').Length.ShouldBe(4);
        future.Output.ShouldBe("no audit entries\n");
        bad.ExitCode.ShouldBe(ExitCodes.Usage);
        bad.Error.ShouldContain("--since 'yesterday' is neither a duration (10m, 7d) nor a date (2026-11-01)");
    }

    [Fact]
    public async Task AuditVerify_ReportsAnIntactLog_AndNamesTampering()
    {
        using var project = new SecretProject();
        await project.Set("DATABASE_URL", "production", "verify-me-please");
        await project.Set("DATABASE_URL", "production", "verify-me-again");

        var intact = await project.Run("audit", "verify");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={System.IO.Path.Combine(project.CapstanDirectory, "state.db")}"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE capstan_audit SET actor = 'mallory' WHERE sequence = 1";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var tampered = await project.Run("audit", "verify");

        intact.ExitCode.ShouldBe(ExitCodes.Success, intact.Error);
        intact.Output.ShouldBe("the audit log is intact: 2 entries, each chained to the one before\n");
        tampered.ExitCode.ShouldBe(ExitCodes.Failure);
        tampered.Error.ShouldContain("the audit log was tampered with: entry 1 does not match its hash");
    }

    [Fact]
    public async Task SecretCommands_OutsideAProject_SayWhereTheyLooked()
    {
        using var empty = new Capstan.Testing.TempDirectory();

        var run = await CliRun.Of(empty.Path, "secret", "list");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("no capstan.yaml in .");
        run.Error.ShouldContain("secrets belong to the app a capstan.yaml names");
    }
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
