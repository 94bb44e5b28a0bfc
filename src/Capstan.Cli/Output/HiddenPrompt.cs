using System.Text;

namespace Capstan.Cli.Output;

/// <summary>Reads a line from the terminal without echoing it, for secret values typed by hand.</summary>
internal static class HiddenPrompt
{
    public static string Read(string prompt)
    {
        Console.Error.Write(prompt);
        var value = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (value.Length > 0)
                {
                    value.Length--;
                }

                continue;
            }

            if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.C or ConsoleKey.D)
            {
                Console.Error.WriteLine();
                throw new OperationCanceledException();
            }

            if (!char.IsControl(key.KeyChar))
            {
                value.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return value.ToString();
    }
}
