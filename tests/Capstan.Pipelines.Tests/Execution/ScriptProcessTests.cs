using System.Text;
using Capstan.Pipelines.Execution;
using Capstan.Secrets.Masking;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Execution;

/// <summary>One script as a real bash process: output, exit codes, time limits, cancellation and the processes it leaves.</summary>
public sealed class ScriptProcessTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_LogsStdoutAndStderr_AndReturnsTheExitCode()
    {
        var (result, log) = await RunAsync("echo out; echo err >&2; exit 3");

        result.End.ShouldBe(ScriptEnd.Exited);
        result.ExitCode.ShouldBe(3);
        result.Succeeded.ShouldBeFalse();
        log.ShouldContain("out\n");
        log.ShouldContain("err\n");
    }

    [Fact]
    public async Task Run_UsesBashWithErrexitAndPipefail()
    {
        var (result, log) = await RunAsync("false | true\necho not-reached");

        result.ExitCode.ShouldBe(1, "pipefail makes the pipeline fail, errexit stops the script");
        log.ShouldNotContain("not-reached");
    }

    [Fact]
    public async Task Run_GivesTheScriptOnlyTheEnvironmentItIsGiven()
    {
        var (result, log) = await RunAsync("env | sort", new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["ONLY_THIS"] = "yes" });

        result.Succeeded.ShouldBeTrue();
        var names = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet();
        names.ShouldContain("ONLY_THIS");
        names.ShouldNotContain("HOME", "the caller's HOME is not passed unless given");
        names.Except(["ONLY_THIS", "PATH", "PWD", "SHLVL", "_", "OLDPWD"]).ShouldBeEmpty("bash adds only its own variables");
    }

    [Fact]
    public async Task Run_ClosesStandardInput_SoAScriptReadingItDoesNotHang()
    {
        var (result, log) = await RunAsync("cat; echo after-cat");

        result.Succeeded.ShouldBeTrue();
        log.ShouldContain("after-cat");
    }

    [Fact]
    public async Task Run_PastItsTimeout_IsKilledAndReportedAsTimedOut()
    {
        var (result, _) = await RunAsync("sleep 30", timeout: TimeSpan.FromMilliseconds(300));

        result.End.ShouldBe(ScriptEnd.TimedOut);
        result.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Run_ThatIgnoresSigterm_IsKilledAfterTheGrace()
    {
        var (result, _) = await RunAsync("trap '' TERM; sleep 30 & wait; sleep 30", timeout: TimeSpan.FromMilliseconds(300), grace: TimeSpan.FromMilliseconds(200));

        result.End.ShouldBe(ScriptEnd.TimedOut);
        result.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Run_Cancelled_StopsTheScriptAndEveryChild()
    {
        var pids = _folder.Combine("pids");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = RunAsync($"sleep 300 & echo $! >> {pids}; (sleep 300 & echo $! >> {pids}; wait) & wait", token: cancel.Token);
        await Poll.UntilAsync(() => File.Exists(pids) && File.ReadAllLines(pids).Length == 2, "both children started", Ct);

        await cancel.CancelAsync();
        var (result, _) = await run;

        result.End.ShouldBe(ScriptEnd.Cancelled);
        foreach (var pid in File.ReadAllLines(pids).Select(int.Parse))
        {
            await Poll.UntilAsync(() => !IsRunning(pid), $"child {pid} is gone", Ct);
        }
    }

    [Fact]
    public async Task Run_ThatLeavesABackgroundChild_KillsItWhenTheScriptEnds()
    {
        var pid = _folder.Combine("pid");
        var (result, log) = await RunAsync($"nohup sleep 300 > /dev/null 2>&1 & echo $! > {pid}; echo done");

        result.Succeeded.ShouldBeTrue();
        log.ShouldContain("done");
        var child = int.Parse(File.ReadAllText(pid).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Poll.UntilAsync(() => !IsRunning(child), "the orphaned child is gone", Ct);
    }

    [Fact]
    public async Task Run_ThatLeavesAChildHoldingTheOutputPipe_StillEnds()
    {
        // The child inherits stdout: reading the output would never end if it outlived the script.
        var (result, _) = await RunAsync("sleep 300 & echo started");

        result.Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task Run_WithInvalidUtf8AndBinaryOutput_LogsReplacementCharacters()
    {
        var (result, log) = await RunAsync("printf 'ok \\xff\\xfe end\\n'; head -c 4096 /dev/urandom; printf '\\nafter\\n'");

        result.Succeeded.ShouldBeTrue();
        log.ShouldContain("ok \uFFFD\uFFFD end");
        log.ShouldContain("after\n");
    }

    [Fact]
    public async Task Run_MasksSecretsInTheLog_EvenSplitAcrossWrites()
    {
        const string secret = "s3cr3t-value-for-masking";
        var masker = SecretMasker.Create([secret]);
        var (result, log) = await RunAsync($"printf 's3cr3t-va'; sleep 0.2; printf 'lue-for-masking\\n'; echo {secret} >&2", masker: masker);

        result.Succeeded.ShouldBeTrue();
        log.ShouldNotContain(secret);
        log.ShouldNotContain("s3cr3t-va");
        log.ShouldContain("***\n");
    }

    [Fact]
    public async Task Run_Flooding100MB_WritesItAllToTheLog_WithBoundedTail()
    {
        var path = _folder.Combine("flood.log");
        var log = new JobLog(path, SecretMasker.Empty, tailLines: 5);
        ScriptResult result;
        await using (log)
        {
            // 100 MB: one line of 50 MB without a line break, then 50 MB of 100-byte lines.
            result = await ScriptProcess.RunAsync(
                Start("head -c 50000000 /dev/zero | tr '\\0' 'a'; echo; head -c 50000000 < <(yes \"$(printf '%099d' 0)\" 2>/dev/null)"),
                log,
                TimeProvider.System,
                Ct).DefaultTimeout(TimeSpan.FromMinutes(2));
            log.Tail.Count.ShouldBeLessThanOrEqualTo(5);
            log.Tail.ShouldAllBe(line => line.Length <= JobLog.MaxTailLineLength + 1);
        }

        result.Succeeded.ShouldBeTrue();
        new FileInfo(path).Length.ShouldBe(100_000_001);
    }

    public void Dispose() => _folder.Dispose();

    private ScriptStart Start(string script, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, TimeSpan? grace = null) => new()
    {
        Script = script,
        WorkingDirectory = _folder.Path,
        Environment = environment ?? new Dictionary<string, string> { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" },
        Timeout = timeout,
        KillGrace = grace ?? TimeSpan.FromSeconds(5),
    };

    private async Task<(ScriptResult Result, string Log)> RunAsync(
        string script,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        TimeSpan? grace = null,
        SecretMasker? masker = null,
        CancellationToken? token = null)
    {
        var path = _folder.Combine($"{Guid.NewGuid():N}.log");
        ScriptResult result;
        var log = new JobLog(path, masker ?? SecretMasker.Empty);
        await using (log)
        {
            result = await ScriptProcess.RunAsync(Start(script, environment, timeout, grace), log, TimeProvider.System, token ?? Ct).DefaultTimeout();
        }

        return (result, await File.ReadAllTextAsync(path, Encoding.UTF8, Ct));
    }

    /// <summary>Whether the process exists and is not a zombie waiting to be reaped.</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
