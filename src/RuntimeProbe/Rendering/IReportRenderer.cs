using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>Turns a <see cref="Report"/> into one output format. Renderers never change the report.</summary>
public interface IReportRenderer
{
    /// <summary>The <c>--format</c> name, e.g. "json".</summary>
    string Format { get; }

    /// <summary>The usual file extension, with its dot, e.g. ".json".</summary>
    string FileExtension { get; }

    void Render(Report report, TextWriter writer);
}
