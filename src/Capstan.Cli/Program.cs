using Capstan.Cli;
using Capstan.Cli.Output;

return await CapstanCli.RunAsync(args, CliConsole.ForProcess(), handleSignals: true, CancellationToken.None).ConfigureAwait(false);
