using System.Diagnostics;

namespace Capstan.Runtime.Supervision;

/// <summary>
/// Starts a shim detached from Capstan: <c>setsid</c> puts it in a session of its own (no terminal, no signal sent to
/// Capstan's group reaches it), and its standard input, output and error are <c>/dev/null</c> and <c>shim.log</c>, not
/// pipes to Capstan, so that nothing breaks when Capstan goes away. Its pid is the pid of the started process: setsid
/// and bash each execute the next program in their own place.
/// </summary>
internal static class ShimLauncher
{
    public static Process Start(IReadOnlyList<string> shimCommand, InstanceFiles files, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = files.Directory,
            UseShellExecute = false,
        };
        foreach (var argument in (IEnumerable<string>)
            [
                "bash", "--noprofile", "--norc", "-c", "exec \"$@\" </dev/null >>shim.log 2>&1", "capstan-shim",
                .. shimCommand, "agent", "shim", "--instance-dir", files.Directory,
            ])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("setsid did not start");
    }
}
