namespace TailGuard.Tool;

/// <summary>All of the tool's console output goes through this seam, so tests can capture it.</summary>
internal interface IProbeConsole
{
    TextWriter Out { get; }

    TextWriter Error { get; }

    /// <summary>True when standard output is not a terminal (a pipe or a file): no live view, no colours.</summary>
    bool IsOutputRedirected { get; }
}

internal sealed class SystemConsole : IProbeConsole
{
    public static SystemConsole Instance { get; } = new();

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    public bool IsOutputRedirected => Console.IsOutputRedirected;
}

/// <summary>A console that records what was written (for tests).</summary>
internal sealed class CapturedConsole : IProbeConsole
{
    public StringWriter OutWriter { get; } = new();

    public StringWriter ErrorWriter { get; } = new();

    public TextWriter Out => OutWriter;

    public TextWriter Error => ErrorWriter;

    public bool IsOutputRedirected => true;
}
