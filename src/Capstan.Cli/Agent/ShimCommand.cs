using System.CommandLine;
using Capstan.Runtime;
using Capstan.Runtime.Shim;

namespace Capstan.Cli.Agent;

/// <summary>
/// <c>capstan agent shim --instance-dir DIR</c>, hidden: the process the runtime's supervisor starts for each instance,
/// which starts the service, logs its output and records its exit (<see cref="InstanceShim"/>). Not for people to run.
/// </summary>
internal static class ShimCommand
{
    public static Command Create()
    {
        var instanceDirectory = new Option<string>("--instance-dir")
        {
            Description = "The instance's folder, with the instance.json the supervisor wrote",
            Required = true,
        };
        var shim = new Command("shim", "Run one instance's service, log its output and record its exit (started by the supervisor)")
        {
            Hidden = true,
        };
        shim.Options.Add(instanceDirectory);
        shim.SetAction((parse, ct) => RunAsync(parse.GetValue(instanceDirectory)!, ct));

        var agent = new Command("agent", "The agent's own processes") { Hidden = true };
        agent.Subcommands.Add(shim);
        return agent;
    }

    /// <summary>
    /// Runs the shim on a foreground thread. Works around System.CommandLine's process termination handling: after
    /// SIGTERM it cancels the action's token (which the shim turns into SIGTERM for the service) and, if the action has
    /// not finished 10 seconds later (ProcessTerminationTimeout), returns from the invocation anyway, so Main returns.
    /// A foreground thread keeps the process alive past that until the service has exited and exit.json is written:
    /// the shim holds the service's pipes and must not go before it.
    /// </summary>
    private static Task<int> RunAsync(string instanceDirectory, CancellationToken terminate)
    {
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(InstanceShim.RunAsync(instanceDirectory, TimeProvider.System, terminate).GetAwaiter().GetResult());
            }
            catch (RuntimeException e)
            {
                result.SetException(new CommandException(e.Message));
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        })
        {
            IsBackground = false,
            Name = "capstan shim",
        };
        thread.Start();
        return result.Task;
    }
}
