using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>Blocking waits counted per call site (user frame and blocking call), at most <c>maxSites</c> distinct sites.</summary>
internal sealed class BlockingSiteTally(int maxSites, IMeasurementListener? listener = null)
{
    private readonly Dictionary<(string Frame, string? Call), long> _sites = [];

    /// <summary>The waits per site, in the order the sites were first seen.</summary>
    public IEnumerable<KeyValuePair<(string Frame, string? Call), long>> Sites => _sites;

    public void On(BlockingWait s)
    {
        if (s.Frame is null)
        {
            return;
        }

        var site = (s.Frame, s.BlockingCall);
        listener?.BlockingWait(s.Frame, s.BlockingCall, s.Count);
        if (_sites.ContainsKey(site) || _sites.Count < maxSites)
        {
            _sites[site] = _sites.GetValueOrDefault(site) + s.Count;
        }
    }
}
