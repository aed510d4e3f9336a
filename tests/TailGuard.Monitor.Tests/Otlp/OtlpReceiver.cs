using System.IO.Compression;
using System.Net;
using System.Net.Sockets;

namespace TailGuard.Monitor.Tests.Otlp;

/// <summary>
/// A loopback OTLP/HTTP receiver: accepts protobuf POSTs to <c>/v1/metrics</c> on 127.0.0.1 and a free port, decodes each
/// with the test's own .proto and keeps them in order; answers 200 with an empty ExportMetricsServiceResponse.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ExportMetricsServiceRequest> _received = [];
    private readonly List<string> _problems = [];
    private readonly Task _serving;

    private OtlpReceiver(int port)
    {
        Address = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Address { get; }

    public static OtlpReceiver Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new OtlpReceiver(port);
    }

    public IReadOnlyList<ExportMetricsServiceRequest> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Requests that were not a protobuf POST to /v1/metrics.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_received)
            {
                return [.. _problems];
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var request = context.Request;
            if (request.HttpMethod != "POST" || request.Url?.AbsolutePath != "/v1/metrics" || request.ContentType != "application/x-protobuf")
            {
                lock (_received)
                {
                    _problems.Add($"{request.HttpMethod} {request.Url?.AbsolutePath} {request.ContentType}");
                }

                context.Response.StatusCode = 400;
                context.Response.Close();
                continue;
            }

            Stream body = request.InputStream;
            if (string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
            {
                body = new GZipStream(body, CompressionMode.Decompress);
            }

            var decoded = ExportMetricsServiceRequest.Parser.ParseFrom(body);
            lock (_received)
            {
                _received.Add(decoded);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
