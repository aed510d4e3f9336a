using TailGuard.Output;

namespace TailGuard.Tool;

/// <summary>All of the tool's console output goes through this seam, so tests can capture it.</summary>
internal interface IProbeConsole
{
    TextWriter Out { get; }

    TextWriter Error { get; }

    /// <summary>True when standard output is not a terminal (a pipe or a file): no live view, no colours.</summary>
    bool IsOutputRedirected { get; }

    /// <summary>
    /// Standard output as renderers get it: on a terminal, a <see cref="TerminalWriter"/> that tells them colours are welcome
    /// and how wide it is; otherwise <see cref="Out"/> itself. Renderers decide from this writer alone.
    /// </summary>
    TextWriter ReportOut { get; }
}

internal sealed class SystemConsole : IProbeConsole
{
    // What Spectre.Console assumes when a terminal does not say how wide it is.
    private const int DefaultWidth = 80;

    public static SystemConsole Instance { get; } = new();

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    public bool IsOutputRedirected => Console.IsOutputRedirected;

    public TextWriter ReportOut => IsOutputRedirected ? Out : new TerminalWriter(Out, Width());

    // The terminal's buffer width, as Spectre.Console measures it for a terminal.
    private static int Width()
    {
        try
        {
            return Console.BufferWidth is > 0 and var width ? width : DefaultWidth;
        }
        catch (IOException)
        {
            return DefaultWidth;
        }
    }
}

/// <summary>A console that records what was written (for tests).</summary>
internal sealed class CapturedConsole : IProbeConsole
{
    public StringWriter OutWriter { get; } = new();

    public StringWriter ErrorWriter { get; } = new();

    public TextWriter Out => OutWriter;

    public TextWriter Error => ErrorWriter;

    public bool IsOutputRedirected => true;

    public TextWriter ReportOut => OutWriter;
}
