namespace TailGuard.Output;

/// <summary>The <c>--format</c> names, one spelling per format for every command.</summary>
public static class OutputFormats
{
    /// <summary>Text for a terminal (tables, colours when standard output is one); plain text in a file or a pipe.</summary>
    public const string Console = "console";

    /// <summary>
    /// Another name for <see cref="Console"/>: <c>sizes</c> called its text output so before the formats were unified, and
    /// scripts keep working.
    /// </summary>
    public const string Text = "text";

    public const string Json = "json";

    public const string Markdown = "markdown";

    public const string Html = "html";

    /// <summary>The format a name stands for: <see cref="Text"/> is <see cref="Console"/>; other names are themselves.</summary>
    public static string Canonical(string format) =>
        string.Equals(format, Text, StringComparison.OrdinalIgnoreCase) ? Console : format;
}
