namespace TailGuard.Output;

/// <summary>Turns one kind of report into one output format. Renderers never change the report.</summary>
/// <remarks>
/// A renderer that adapts to a terminal (colours, width) learns about it from the writer it is given: standard output on an
/// interactive terminal arrives as a <see cref="TerminalWriter"/>. It never asks the global <see cref="System.Console"/>.
/// </remarks>
public interface IRenderer<in TReport>
{
    /// <summary>The <c>--format</c> name, one of <see cref="OutputFormats"/>.</summary>
    string Format { get; }

    /// <summary>The usual file extension, with its dot, e.g. ".json".</summary>
    string FileExtension { get; }

    void Render(TReport report, TextWriter writer);
}
