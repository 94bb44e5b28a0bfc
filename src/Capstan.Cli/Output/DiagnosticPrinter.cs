using System.Globalization;
using Capstan.Manifest;
using Capstan.Manifest.Diagnostics;
using Spectre.Console;

namespace Capstan.Cli.Output;

/// <summary>Prints diagnostics as compilers do: the located line, the source line and a marker under the spot.</summary>
internal static class DiagnosticPrinter
{
    public static void Print(CliConsole console, ManifestLoadResult result)
    {
        foreach (var diagnostic in result.Diagnostics)
        {
            Print(console, diagnostic, result.Source);
        }
    }

    public static void Print(CliConsole console, Diagnostic diagnostic, SourceText? source)
    {
        var location = string.Create(CultureInfo.InvariantCulture, $"{diagnostic.File}:{diagnostic.Line}:{diagnostic.Column}");
        var kind = diagnostic.IsError ? "error" : "warning";
        var line = source?.Line(diagnostic.Line);
        if (!console.Colors)
        {
            console.Error.WriteLine($"{location}: {kind} {diagnostic.Code}: {diagnostic.Message}");
            if (!string.IsNullOrEmpty(line))
            {
                var (gutter, text, marker) = Snippet(diagnostic, line);
                console.Error.WriteLine($"{gutter}{text}");
                console.Error.WriteLine($"{new string(' ', gutter.Length - 2)}| {marker}");
            }

            return;
        }

        var color = diagnostic.IsError ? "red" : "yellow";
        var err = console.ErrorConsole;
        err.MarkupLine($"[bold]{Markup.Escape(location)}:[/] [{color} bold]{kind} {diagnostic.Code}:[/] {Markup.Escape(diagnostic.Message)}");
        if (!string.IsNullOrEmpty(line))
        {
            var (gutter, text, marker) = Snippet(diagnostic, line);
            err.MarkupLine($"[blue]{Markup.Escape(gutter)}[/]{Markup.Escape(text)}");
            err.MarkupLine($"[blue]{new string(' ', gutter.Length - 2)}|[/] [{color} bold]{Markup.Escape(marker)}[/]");
        }
    }

    /// <summary>"  14 | ", the line with tabs shown as spaces, and "^~~~" under the word at the column.</summary>
    private static (string Gutter, string Text, string Marker) Snippet(Diagnostic diagnostic, string line)
    {
        const int MaxWidth = 160;
        var text = line.Replace('\t', ' ');
        var column = Math.Clamp(diagnostic.Column - 1, 0, text.Length);
        var start = 0;
        if (column > MaxWidth - 20)
        {
            start = column - 20;
            text = "..." + text[start..];
            column = column - start + 3;
        }

        if (text.Length > MaxWidth)
        {
            text = text[..MaxWidth] + "...";
        }

        var end = column;
        while (end < text.Length && end - column < 40 && !char.IsWhiteSpace(text[end]) && text[end] is not (',' or ']' or '}' or '"' or '\''))
        {
            end++;
        }

        var marker = new string(' ', column) + "^" + new string('~', Math.Max(0, end - column - 1));
        var gutter = string.Create(CultureInfo.InvariantCulture, $"{diagnostic.Line,5} | ");
        return (gutter, text, marker);
    }
}
