using System.Diagnostics;
using HdrHistogram;

namespace TailGuard.Samples.LoadDriver;

/// <summary>Where a run stands, reported about once a second.</summary>
public sealed record LoadProgress(TimeSpan Elapsed, long Sent, long Completed, long InFlight, long Errors, long Timeouts);

/// <summary>
/// An open-loop HTTP load generator: requests start on a fixed schedule whatever the latency, and each request's latency is
/// measured from the moment the schedule meant to send it, so a stalled server cannot slow the driver down and hide its own
/// stall (the coordinated-omission mistake of closed-loop tools, which wait for a reply before sending the next request).
/// </summary>
/// <remarks>
/// The schedule runs on a dedicated thread, not on the thread pool, so the client's own pool cannot delay it. The thread wakes
/// with the operating system's millisecond timer resolution and sends every request whose time has come; the delay between a
/// request's intended start and its actual send is counted in its latency and reported on its own as the scheduling lag.
/// </remarks>
public sealed class OpenLoopLoadDriver : IDisposable
{
    /// <summary>Latencies are recorded in microseconds up to one hour.</summary>
    private const long HighestTrackableMicroseconds = 3_600_000_000;

    private const int SignificantDigits = 3;

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    private readonly HttpClient _client;

    /// <param name="maxConnections">
    /// Connections the client may open to the target: high, so that under a slow server requests open new connections instead
    /// of queuing inside the client, where the server would never see them.
    /// </param>
    public OpenLoopLoadDriver(int maxConnections = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConnections);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };

        // Each request gets its own timeout from the plan; the client-wide one would only get in the way.
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public void Dispose() => _client.Dispose();

    public async Task<LoadResult> RunAsync(LoadPlan plan, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();

        if (plan.Warmup > TimeSpan.Zero)
        {
            // Same client, so the measured run starts with warm connections and jitted code; its results are dropped.
            await DriveAsync(new Run(plan with { Duration = plan.Warmup, Warmup = TimeSpan.Zero, Bursts = [] }, _client, cancellationToken), null).ConfigureAwait(false);
        }

        return await DriveAsync(new Run(plan, _client, cancellationToken), progress).ConfigureAwait(false);
    }

    private static async Task<LoadResult> DriveAsync(Run run, IProgress<LoadProgress>? progress)
    {
        var scheduler = new Thread(run.Schedule) { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.AboveNormal };
        scheduler.Start();

        using (var ticker = new PeriodicTimer(ProgressInterval))
        {
            var drained = run.Drained;
            while (!drained.IsCompleted)
            {
                var tick = ticker.WaitForNextTickAsync(CancellationToken.None).AsTask();
                await Task.WhenAny(drained, tick).ConfigureAwait(false);
                progress?.Report(run.Progress());
            }
        }

        return run.Result();
    }

    private sealed class Run
    {
        private readonly LoadPlan _plan;
        private readonly HttpClient _client;
        private readonly CancellationToken _cancellationToken;
        private readonly IReadOnlyList<string> _paths;
        private readonly Uri[] _uris;
        private readonly double[] _cumulativeWeights;
        private readonly int[] _mixPaths;
        private readonly LoadBurst[] _bursts;
        private readonly LongConcurrentHistogram _latency = NewHistogram();
        private readonly LongConcurrentHistogram _serviceTime = NewHistogram();
        private readonly LongConcurrentHistogram _schedulingLag = NewHistogram();
        private readonly LongConcurrentHistogram[] _endpointLatency;
        private readonly long[] _endpointSent;
        private readonly long[] _endpointOk;
        private readonly long[] _endpointErrors;
        private readonly long[] _endpointTimeouts;
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _start = Stopwatch.GetTimestamp();
        private long _sendingEnd;
        private long _sent;
        private long _burstSent;
        private long _completed;
        private long _ok;
        private long _errors;
        private long _timeouts;
        private long _inFlight;
        private volatile bool _schedulingDone;

        public Run(LoadPlan plan, HttpClient client, CancellationToken cancellationToken)
        {
            _plan = plan;
            _client = client;
            _cancellationToken = cancellationToken;
            // The mix's paths first, in order, then the paths only bursts send to; a path listed twice in the mix is one endpoint.
            _paths = plan.Paths;
            _mixPaths = plan.Mix.Select(target => IndexOf(target.Path)).ToArray();
            _uris = _paths.Select(path => new Uri(plan.BaseAddress, path)).ToArray();
            var total = plan.Mix.Sum(target => target.Weight);
            var running = 0.0;
            _cumulativeWeights = plan.Mix.Select(target => running += target.Weight / total).ToArray();
            _bursts = plan.Bursts.OrderBy(burst => burst.At).ToArray();
            _endpointLatency = _paths.Select(_ => NewHistogram()).ToArray();
            _endpointSent = new long[_paths.Count];
            _endpointOk = new long[_paths.Count];
            _endpointErrors = new long[_paths.Count];
            _endpointTimeouts = new long[_paths.Count];
        }

        public Task Drained => _drained.Task;

        public void Schedule()
        {
            try
            {
                var random = new Random(_plan.Seed);
                var total = _plan.SteadyRequestCount;
                var ticksPerRequest = Stopwatch.Frequency / _plan.RatePerSecond;
                var nextBurst = 0;
                for (long i = 0; i < total && !_cancellationToken.IsCancellationRequested; i++)
                {
                    var intended = _start + (long)(i * ticksPerRequest);
                    for (; nextBurst < _bursts.Length && BurstStart(_bursts[nextBurst]) <= intended; nextBurst++)
                    {
                        SendBurst(_bursts[nextBurst]);
                    }

                    var now = SleepUntil(intended);
                    _schedulingLag.RecordValue(ToMicroseconds(now - intended));
                    Send(_mixPaths[Pick(random.NextDouble())], intended);
                }

                // Bursts timed after the last steady request (a low rate, or a burst near the end).
                for (; nextBurst < _bursts.Length && !_cancellationToken.IsCancellationRequested; nextBurst++)
                {
                    SendBurst(_bursts[nextBurst]);
                }

                _sendingEnd = Stopwatch.GetTimestamp();
            }
            finally
            {
                _schedulingDone = true;
                if (Interlocked.Read(ref _inFlight) == 0)
                {
                    _drained.TrySetResult();
                }
            }
        }

        public LoadProgress Progress() => new(
            Stopwatch.GetElapsedTime(_start),
            Interlocked.Read(ref _sent),
            Interlocked.Read(ref _completed),
            Interlocked.Read(ref _inFlight),
            Interlocked.Read(ref _errors),
            Interlocked.Read(ref _timeouts));

        public LoadResult Result()
        {
            var interval = 1 / _plan.RatePerSecond;
            var sendingSeconds = Stopwatch.GetElapsedTime(_start, _sendingEnd == 0 ? Stopwatch.GetTimestamp() : _sendingEnd).TotalSeconds + interval;
            var endpoints = _paths.Select((path, index) => new EndpointResult(
                path,
                _plan.Mix.Where(target => target.Path == path).Sum(target => target.Weight),
                _endpointSent[index],
                _endpointOk[index],
                _endpointErrors[index],
                _endpointTimeouts[index],
                LatencySummary.From(_endpointLatency[index]))).ToArray();
            return new LoadResult(
                _plan,
                _sent,
                _ok,
                _errors,
                _timeouts,
                _cancellationToken.IsCancellationRequested,
                sendingSeconds,
                (_sent - _burstSent) / sendingSeconds,
                LatencySummary.From(_latency),
                LatencySummary.From(_serviceTime),
                LatencySummary.From(_schedulingLag),
                endpoints);
        }

        private static LongConcurrentHistogram NewHistogram() => new(1, HighestTrackableMicroseconds, SignificantDigits);

        private static long ToMicroseconds(long ticks) =>
            Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 0, HighestTrackableMicroseconds);

        /// <summary>Sleeps until <paramref name="timestamp"/>, at the millisecond resolution of the OS timer; never spins.</summary>
        private long SleepUntil(long timestamp)
        {
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                var remaining = timestamp - now;
                if (remaining <= 0 || _cancellationToken.IsCancellationRequested)
                {
                    return now;
                }

                var milliseconds = remaining * 1000 / Stopwatch.Frequency;
                Thread.Sleep((int)Math.Max(1, milliseconds - 1));
            }
        }

        private long BurstStart(LoadBurst burst) => _start + (long)(burst.At.TotalSeconds * Stopwatch.Frequency);

        /// <summary>Every request of the burst, back to back, all with the burst's instant as their intended start.</summary>
        private void SendBurst(LoadBurst burst)
        {
            var intended = BurstStart(burst);
            var now = SleepUntil(intended);
            _schedulingLag.RecordValue(ToMicroseconds(now - intended));
            var target = IndexOf(burst.Path);
            for (var request = 0; request < burst.Requests && !_cancellationToken.IsCancellationRequested; request++)
            {
                Interlocked.Increment(ref _burstSent);
                Send(target, intended, onThisThread: false);
            }
        }

        /// <param name="onThisThread">
        /// False for a burst's requests: their sends are handed to the pool, so that dozens of <c>GetAsync</c> calls (whose
        /// synchronous part may open a connection) do not hold the scheduler thread past the next steady requests' times.
        /// </param>
        private void Send(int target, long intended, bool onThisThread = true)
        {
            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref _endpointSent[target]);
            Interlocked.Increment(ref _inFlight);
            if (onThisThread)
            {
                _ = SendAsync(target, intended);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(state => _ = state.Run.SendAsync(state.Target, state.Intended), (Run: this, Target: target, Intended: intended), preferLocal: false);
            }
        }

        private int IndexOf(string path)
        {
            for (var i = 0; i < _paths.Count; i++)
            {
                if (string.Equals(_paths[i], path, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            throw new InvalidOperationException($"{path} is not one of the plan's paths.");
        }

        private int Pick(double sample)
        {
            for (var i = 0; i < _cumulativeWeights.Length - 1; i++)
            {
                if (sample < _cumulativeWeights[i])
                {
                    return i;
                }
            }

            return _cumulativeWeights.Length - 1;
        }

        private async Task SendAsync(int target, long intended)
        {
            var sentAt = Stopwatch.GetTimestamp();
            var outcome = Outcome.Error;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
            timeout.CancelAfter(_plan.Timeout);
            try
            {
                using var response = await _client.GetAsync(_uris[target], HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                // A response later than the deadline is a timeout even when the cancellation timer fired late (a loaded
                // machine delays timers by tens of milliseconds): the deadline is the plan's, not the timer's.
                outcome = Stopwatch.GetElapsedTime(sentAt) > _plan.Timeout ? Outcome.Timeout
                    : response.IsSuccessStatusCode ? Outcome.Ok : Outcome.Error;
            }
            catch (OperationCanceledException) when (!_cancellationToken.IsCancellationRequested)
            {
                outcome = Outcome.Timeout;
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
            {
                // Past its own deadline a request that fails is a timeout whatever the exception: a cancelled connect or a
                // connection torn down by the cancellation surfaces as HttpRequestException or IOException, not always as
                // OperationCanceledException.
                outcome = timeout.IsCancellationRequested && !_cancellationToken.IsCancellationRequested ? Outcome.Timeout : Outcome.Error;
            }
            finally
            {
                Complete(target, intended, sentAt, outcome);
            }
        }

        /// <summary>
        /// Every request is recorded, whatever its outcome: a timeout at the time it was abandoned (a lower bound of its latency),
        /// so that failing requests never flatter the percentiles by disappearing from them.
        /// </summary>
        private void Complete(int target, long intended, long sentAt, Outcome outcome)
        {
            var end = Stopwatch.GetTimestamp();
            var latency = ToMicroseconds(end - intended);
            _latency.RecordValue(latency);
            _endpointLatency[target].RecordValue(latency);
            _serviceTime.RecordValue(ToMicroseconds(end - sentAt));
            switch (outcome)
            {
                case Outcome.Ok:
                    Interlocked.Increment(ref _ok);
                    Interlocked.Increment(ref _endpointOk[target]);
                    break;
                case Outcome.Timeout:
                    Interlocked.Increment(ref _timeouts);
                    Interlocked.Increment(ref _endpointTimeouts[target]);
                    break;
                default:
                    Interlocked.Increment(ref _errors);
                    Interlocked.Increment(ref _endpointErrors[target]);
                    break;
            }

            Interlocked.Increment(ref _completed);
            if (Interlocked.Decrement(ref _inFlight) == 0 && _schedulingDone)
            {
                _drained.TrySetResult();
            }
        }

        private enum Outcome
        {
            Ok,
            Error,
            Timeout,
        }
    }
}
