using System.CommandLine;
using System.Text;
using Capstan.Cli.Output;
using Capstan.Testing;

namespace Capstan.Cli.Tests;

/// <summary>
/// Plants canary values, runs every command that touches secrets, and looks for the plaintext everywhere it must not
/// be: every output (but the stdout of get and export, which print values by design), crash logs, and every byte of
/// the state files (the SQLite database, its WAL and shared memory), in UTF-8, UTF-16 and base64.
/// </summary>
public class SecretCanaryTests
{
    private static readonly string Canary = "CANARY" + Guid.NewGuid().ToString("N")[..20];
    private static readonly string SecondCanary = "CANARYTWO" + Guid.NewGuid().ToString("N")[..20];
    private static readonly string LineCanary = "CANARYLINE" + Guid.NewGuid().ToString("N")[..16];
    private static readonly string MultiLine = $"-----BEGIN PRIVATE KEY-----\n{LineCanary}\n-----END PRIVATE KEY-----";

    [Fact]
    public async Task CanaryValues_AppearInNoOutputLogOrStateFile()
    {
        using var project = new SecretProject(SecretProject.Manifest.Replace(
            "STRIPE_KEY: { rotate: 30d }",
            "STRIPE_KEY: { rotate: 30d, rotate_command: 'echo \"applying $(cat)\"' }",
            StringComparison.Ordinal));
        using var logs = new TempDirectory();
        project.Environment["XDG_STATE_HOME"] = logs.Path;
        project.Write("key.pem", MultiLine);
        project.Write("import.env", $"ONCALL_WEBHOOK=\"https://hooks.example/{SecondCanary}\"\n");
        var printsValues = new List<CliRun>();
        var runs = new List<(string Command, CliRun Run)>();

        async Task Run(string? input, params string[] args)
        {
            var run = await project.Pipe(input, args);
            runs.Add((string.Join(' ', args), run));
        }

        await Run(Canary, "secret", "set", "DATABASE_URL", "--env", "production");

        // Hold a connection for the whole run: SQLite then keeps the WAL file (the last connection to close would
        // checkpoint and delete it), so its bytes can be checked as they were written.
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(project.CapstanDirectory, "state.db")};Pooling=False");
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using (var touch = holder.CreateCommand())
        {
            touch.CommandText = "SELECT count(*) FROM sqlite_master"; // attaches this connection to the WAL
            await touch.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }
        await Run(null, "secret", "set", "DATABASE_URL", "--env", "staging", "--from-file", "key.pem");
        await Run(null, "secret", "set", "STRIPE_KEY", "--env", "production", "--value", Canary + "stripe");
        await Run(null, "secret", "set", "STRIPE_KEY", "--env", "staging", Canary);
        await Run(null, "secret", "import", "import.env", "--env", "production");
        await Run(null, "secret", "list");
        await Run(null, "secret", "list", "--json");
        await Run(null, "secret", "history", "DATABASE_URL", "--env", "production");
        await Run(null, "secret", "history", "DATABASE_URL", "--env", "production", "--json");
        await Run(null, "secret", "rotate", "STRIPE_KEY", "--env", "production");
        await Run(Canary + "rotated", "secret", "rotate", "DATABASE_URL", "--env", "production");
        await Run(null, "secret", "get", "DATABASE_URL", "--env", "production", "--version", "9");
        await Run(null, "secret", "rekey");
        await Run(null, "audit", "list");
        await Run(null, "audit", "list", "--json");
        await Run(null, "audit", "verify");
        await Run(null, "validate");
        await Run(null, "validate", "--json");
        await Run(null, "state", "info");
        await Run(null, "secret", "scan", ".");
        await Run(null, "secret", "rm", "STRIPE_KEY", "--env", "production");
        printsValues.Add(await project.Run("secret", "get", "DATABASE_URL", "--env", "production"));
        printsValues.Add(await project.Run("secret", "get", "DATABASE_URL", "--env", "staging"));
        printsValues.Add(await project.Run("secret", "export", "--env", "production", "--format", "dotenv"));
        var crash = await CrashWithCanaryAsync(project, logs.Path);

        printsValues[0].Output.ShouldContain(Canary + "rotated", customMessage: "get prints the value: that is its job");
        printsValues[1].Output.ShouldContain(LineCanary);
        printsValues[2].Output.ShouldContain(SecondCanary);
        foreach (var (command, run) in runs)
        {
            ShouldHoldNoCanary(run.Output + run.Error, $"the output of capstan {command}");
        }

        foreach (var run in printsValues)
        {
            ShouldHoldNoCanary(run.Error, "the errors of get and export");
        }

        ShouldHoldNoCanary(crash, "the terminal after a crash");
        var crashLogs = Directory.GetFiles(logs.Path, "*.log", SearchOption.AllDirectories);
        crashLogs.ShouldNotBeEmpty();
        foreach (var file in crashLogs)
        {
            ShouldHoldNoCanary(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken), file);
        }

        var stateFiles = Directory.GetFiles(project.CapstanDirectory, "state.db*");
        stateFiles.Select(Path.GetFileName).ShouldContain("state.db");
        stateFiles.Select(Path.GetFileName).ShouldContain("state.db-wal", "the held connection keeps the WAL: its bytes are checked too");
        foreach (var file in stateFiles.Append(Path.Combine(project.CapstanDirectory, "master.key")))
        {
            ShouldHoldNoCanaryBytes(await ReadSharedAsync(file), file);
        }
    }

    /// <summary>A command that throws with a secret in its message, after the process has handled that secret.</summary>
    private static async Task<string> CrashWithCanaryAsync(SecretProject project, string logs)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, colors: false, project.Path, name => name == "XDG_STATE_HOME" ? logs : project.Environment.GetValueOrDefault(name));
        console.SecretValues.Add(Canary);
        var root = CapstanCli.CreateRoot(console);
        var broken = new Command("broken", "throws with a secret in its message");
        broken.SetAction((Func<ParseResult, int>)(_ => throw new InvalidOperationException($"could not connect with {Canary} as password")));
        root.Subcommands.Add(broken);

        var code = await CapstanCli.RunAsync(["broken"], console, handleSignals: false, root, TestContext.Current.CancellationToken);

        code.ShouldBe(ExitCodes.Unexpected);
        error.ToString().ShouldContain("could not connect with *** as password");
        return output.ToString() + error;
    }

    private static void ShouldHoldNoCanary(string text, string where)
    {
        foreach (var canary in new[] { Canary, SecondCanary, LineCanary })
        {
            text.ShouldNotContain(canary, Case.Sensitive, $"{where} holds a planted secret");
        }
    }

    private static void ShouldHoldNoCanaryBytes(byte[] bytes, string where)
    {
        foreach (var canary in new[] { Canary, SecondCanary, LineCanary })
        {
            foreach (var encoded in new[] { Encoding.UTF8.GetBytes(canary), Encoding.Unicode.GetBytes(canary), Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(canary))) })
            {
                bytes.AsSpan().IndexOf(encoded).ShouldBe(-1, $"{where} holds a planted secret");
            }
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, TestContext.Current.CancellationToken);
        return memory.ToArray();
    }
}
