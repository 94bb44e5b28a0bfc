using System.CommandLine;

namespace Capstan.Cli;

/// <summary>Small additions to System.CommandLine shared by the commands.</summary>
internal static class CommandLine
{
    /// <summary>
    /// A path argument that refuses values that look like options: System.CommandLine hands an unknown option
    /// (<c>--jsn</c>) to an optional argument, which would then be read as a file name.
    /// </summary>
    public static Argument<string> PathArgument(string name, string description)
    {
        var argument = new Argument<string>(name)
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-') && token.Value.Length > 1)
                {
                    result.AddError($"Unrecognized option '{token.Value}'.");
                }
            }
        });
        return argument;
    }
}
