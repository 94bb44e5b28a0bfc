using System.Text;

namespace Capstan.Cli.Init;

/// <summary>Turns a folder name into a valid application name (lowercase letters, digits and '-').</summary>
internal static class AppName
{
    public static string FromFolder(string folder)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)).ToLowerInvariant();
        var builder = new StringBuilder();
        foreach (var c in name)
        {
            var keep = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
            if (keep)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var result = builder.ToString().Trim('-');
        if (result.Length == 0)
        {
            return "app";
        }

        if (!char.IsAsciiLetter(result[0]))
        {
            result = "app-" + result;
        }

        return result.Length > 63 ? result[..63].TrimEnd('-') : result;
    }

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(name[0])
        && name[^1] != '-'
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
