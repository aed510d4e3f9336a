using TailGuard.Output;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>
/// Turns a <see cref="Report"/> into one output format (<see cref="IRenderer{TReport}"/> for the probe's report). Renderers
/// never change the report.
/// </summary>
public interface IReportRenderer : IRenderer<Report>;
