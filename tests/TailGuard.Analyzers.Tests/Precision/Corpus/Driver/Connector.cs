using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Pgsql.Driver;

internal enum ConnectorState
{
    Closed,
    Connecting,
    Ready,
    Executing,
    Fetching,
    Waiting,
    Broken,
}

internal sealed class ConnectorStatistics
{
    public long BytesWritten { get; set; }

    public long MessagesRead { get; set; }

    public int Reconnects { get; set; }
}

/// <summary>
/// A physical connection to the server. Opening runs DNS resolution, the TCP connect, the optional TLS upgrade, the startup
/// message and the authentication exchange; every step has a synchronous and an asynchronous form behind one <c>bool async</c>.
/// </summary>
internal sealed class Connector : IDisposable
{
    private const int ProtocolVersion3 = 3 << 16;
    private const int SslRequestCode = 1234 << 16 | 5679;

    private readonly ConnectionSettings settings;
    private readonly object cancelLock = new();
    private Socket? socket;
    private Stream? stream;
    private Task<ConnectorState>? keepAliveTask;
    private int pendingPrependedResponses;

    internal Connector(ConnectionSettings settings, ConnectorPool? pool)
    {
        this.settings = settings;
        Pool = pool;
    }

    internal ConnectorPool? Pool { get; }

    internal ConnectorState State { get; private set; }

    internal ConnectorStatistics Statistics { get; } = new();

    internal ReadBuffer ReadBuffer { get; private set; } = null!;

    internal WriteBuffer WriteBuffer { get; private set; } = null!;

    internal int BackendProcessId { get; private set; }

    internal int BackendSecretKey { get; private set; }

    internal Dictionary<string, string> ServerParameters { get; } = new(StringComparer.Ordinal);

    internal bool IsSecure { get; private set; }

    internal bool IsBroken => State == ConnectorState.Broken;

    internal DateTime OpenedAt { get; private set; }

    internal async Task Open(TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        Debug.Assert(State == ConnectorState.Closed);
        State = ConnectorState.Connecting;
        try
        {
            await RawOpen(timeout, async, cancellationToken).ConfigureAwait(false);
            WriteStartupMessage();
            await WriteBuffer.Flush(async, cancellationToken).ConfigureAwait(false);
            await Authenticate(async, cancellationToken).ConfigureAwait(false);
            await ReadUntilReady(async, cancellationToken).ConfigureAwait(false);
            OpenedAt = DateTime.UtcNow;
            State = ConnectorState.Ready;
        }
        catch
        {
            Break(new IOException("Open failed"));
            throw;
        }
    }

    private async Task RawOpen(TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        var addresses = async
            ? await Dns.GetHostAddressesAsync(settings.Host, cancellationToken).ConfigureAwait(false)
            : Dns.GetHostAddresses(settings.Host);
        if (addresses.Length == 0)
        {
            throw new PgException("No IP addresses found for " + settings.Host);
        }

        Exception? lastError = null;
        foreach (var address in addresses)
        {
            var endpoint = new IPEndPoint(address, settings.Port);
            var candidate = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (async)
                {
                    using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeoutSource.CancelAfter(timeout);
                    await candidate.ConnectAsync(endpoint, timeoutSource.Token).ConfigureAwait(false);
                }
                else
                {
                    candidate.Connect(endpoint);
                }

                socket = candidate;
                break;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                candidate.Dispose();
                lastError = e;
            }
        }

        if (socket is null)
        {
            throw new PgException("Failed to connect to " + settings.Host, lastError);
        }

        stream = new NetworkStream(socket, ownsSocket: true);
        if (settings.SslMode != SslMode.Disable)
        {
            await NegotiateTls(async, cancellationToken).ConfigureAwait(false);
        }

        ReadBuffer = new ReadBuffer(this, stream, socket, settings.ReadBufferSize, Encoding.UTF8);
        WriteBuffer = new WriteBuffer(this, stream, settings.WriteBufferSize, Encoding.UTF8);
    }

    private async Task NegotiateTls(bool async, CancellationToken cancellationToken)
    {
        Debug.Assert(stream is not null);
        var request = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
        if (async)
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            stream.Write(request);
            stream.Flush();
        }

        var response = new byte[1];
        var read = async
            ? await stream.ReadAsync(response, cancellationToken).ConfigureAwait(false)
            : stream.Read(response);
        if (read == 0)
        {
            throw new PgException("Server closed the connection during the TLS request");
        }

        if (response[0] != (byte)'S')
        {
            if (settings.SslMode == SslMode.Require)
            {
                throw new PgException("The server does not support TLS");
            }

            return;
        }

        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, ValidateServerCertificate);
        try
        {
            if (async)
            {
                await ssl.AuthenticateAsClientAsync(settings.Host).ConfigureAwait(false);
            }
            else
            {
                ssl.AuthenticateAsClient(settings.Host);
            }
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new PgException("TLS handshake failed", e);
        }

        stream = ssl;
        IsSecure = true;
    }

    private bool ValidateServerCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors)
        => settings.TrustServerCertificate || errors == SslPolicyErrors.None;

    private void WriteStartupMessage()
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["user"] = settings.Username,
            ["database"] = settings.Database,
            ["client_encoding"] = "UTF8",
            ["application_name"] = settings.ApplicationName,
        };
        var length = sizeof(int) + sizeof(int) + 1;
        foreach (var (key, value) in parameters)
        {
            length += Encoding.UTF8.GetByteCount(key) + 1 + Encoding.UTF8.GetByteCount(value) + 1;
        }

        WriteBuffer.WriteInt32(length);
        WriteBuffer.WriteInt32(ProtocolVersion3);
        foreach (var (key, value) in parameters)
        {
            WriteBuffer.WriteNullTerminatedString(key);
            WriteBuffer.WriteNullTerminatedString(value);
        }

        WriteBuffer.WriteByte(0);
    }

    private async Task Authenticate(bool async, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReadMessage(async, cancellationToken).ConfigureAwait(false);
            if (message.Code == BackendMessageCode.ErrorResponse)
            {
                throw new PgException("Authentication failed: " + message.Text);
            }

            if (message.Code != BackendMessageCode.AuthenticationRequest)
            {
                throw new PgException("Unexpected message during authentication: " + message.Code);
            }

            switch (message.AuthenticationKind)
            {
                case 0:
                    return;
                case 3:
                    await WritePassword(Encoding.UTF8.GetBytes(settings.Password + "\0"), async, cancellationToken).ConfigureAwait(false);
                    break;
                case 5:
                    var md5 = ComputeMd5Password(message.Salt);
                    await WritePassword(md5, async, cancellationToken).ConfigureAwait(false);
                    break;
                case 10:
                    await AuthenticateScram(async, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new NotSupportedException("Authentication method " + message.AuthenticationKind + " is not supported");
            }
        }
    }

    private async Task WritePassword(byte[] payload, bool async, CancellationToken cancellationToken)
    {
        await WriteBuffer.StartMessage((byte)'p', payload.Length, async, cancellationToken).ConfigureAwait(false);
        await WriteBuffer.WriteBytesWithFlush(payload, async, cancellationToken).ConfigureAwait(false);
        await WriteBuffer.Flush(async, cancellationToken).ConfigureAwait(false);
    }

    private async Task AuthenticateScram(bool async, CancellationToken cancellationToken)
    {
        var clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var clientFirst = "n,,n=*,r=" + clientNonce;
        await WritePassword(Encoding.UTF8.GetBytes("SCRAM-SHA-256\0" + clientFirst), async, cancellationToken).ConfigureAwait(false);

        var continueMessage = await ReadMessage(async, cancellationToken).ConfigureAwait(false);
        if (continueMessage.AuthenticationKind != 11 || continueMessage.Text is null)
        {
            throw new PgException("Expected SASL continue");
        }

        var serverFirst = continueMessage.Text;
        var salt = Convert.FromBase64String(ScramAttribute(serverFirst, 's'));
        var iterations = int.Parse(ScramAttribute(serverFirst, 'i'), System.Globalization.CultureInfo.InvariantCulture);
        var saltedPassword = Rfc2898DeriveBytes.Pbkdf2(settings.Password, salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(saltedPassword, Encoding.UTF8.GetBytes("Client Key"));
        var storedKey = SHA256.HashData(clientKey);
        var clientFinalWithoutProof = "c=biws,r=" + ScramAttribute(serverFirst, 'r');
        var authMessage = "n=*,r=" + clientNonce + "," + serverFirst + "," + clientFinalWithoutProof;
        var signature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes(authMessage));
        for (var i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= signature[i];
        }

        var clientFinal = clientFinalWithoutProof + ",p=" + Convert.ToBase64String(clientKey);
        await WritePassword(Encoding.UTF8.GetBytes(clientFinal), async, cancellationToken).ConfigureAwait(false);

        var finalMessage = await ReadMessage(async, cancellationToken).ConfigureAwait(false);
        if (finalMessage.AuthenticationKind != 12)
        {
            throw new PgException("Expected SASL final");
        }
    }

    private static string ScramAttribute(string message, char name)
    {
        foreach (var part in message.Split(','))
        {
            if (part.Length > 2 && part[0] == name && part[1] == '=')
            {
                return part.Substring(2);
            }
        }

        throw new PgException("Missing SCRAM attribute " + name);
    }

    private byte[] ComputeMd5Password(byte[] salt)
    {
        var inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(settings.Password + settings.Username)));
        var outerInput = new byte[inner.Length + salt.Length];
        Encoding.ASCII.GetBytes(inner, 0, inner.Length, outerInput, 0);
        salt.CopyTo(outerInput, inner.Length);
        return Encoding.ASCII.GetBytes("md5" + Convert.ToHexStringLower(MD5.HashData(outerInput)) + "\0");
    }

    private async Task ReadUntilReady(bool async, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await ReadMessage(async, cancellationToken).ConfigureAwait(false);
            switch (message.Code)
            {
                case BackendMessageCode.ParameterStatus:
                    ServerParameters[message.Name!] = message.Text!;
                    break;
                case BackendMessageCode.BackendKeyData:
                    BackendProcessId = message.ProcessId;
                    BackendSecretKey = message.SecretKey;
                    break;
                case BackendMessageCode.ReadyForQuery:
                    return;
                case BackendMessageCode.ErrorResponse:
                    throw new PgException(message.Text ?? "Server error during startup");
            }
        }
    }

    /// <summary>Reads one backend message. The synchronous overload relies on <c>async: false</c> having completed the read.</summary>
    internal async ValueTask<BackendMessage> ReadMessage(bool async, CancellationToken cancellationToken = default)
    {
        while (pendingPrependedResponses > 0)
        {
            await ReadBuffer.Ensure(5, async).ConfigureAwait(false);
            var skipCode = ReadBuffer.ReadByte();
            var skipLength = ReadBuffer.ReadInt32() - 4;
            await ReadBuffer.Skip(skipLength, async).ConfigureAwait(false);
            if (skipCode == (byte)BackendMessageCode.ReadyForQuery)
            {
                pendingPrependedResponses--;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        await ReadBuffer.Ensure(5, async).ConfigureAwait(false);
        var code = (BackendMessageCode)ReadBuffer.ReadByte();
        var length = ReadBuffer.ReadInt32() - 4;
        await ReadBuffer.Ensure(Math.Min(length, ReadBuffer.Size), async).ConfigureAwait(false);
        Statistics.MessagesRead++;
        return BackendMessage.Parse(code, length, ReadBuffer);
    }

    internal BackendMessage ReadMessage()
    {
        var pending = ReadMessage(async: false);
        Debug.Assert(pending.IsCompleted);
        return pending.GetAwaiter().GetResult();
    }

    /// <summary>Sends a cancel request on a fresh connection, as the protocol requires.</summary>
    internal async Task CancelRequest(bool async)
    {
        var request = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request, 16);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), 1234 << 16 | 5678);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), BackendProcessId);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(12), BackendSecretKey);
        using var cancelSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var endpoint = new DnsEndPoint(settings.Host, settings.Port);
        if (async)
        {
            await cancelSocket.ConnectAsync(endpoint).ConfigureAwait(false);
            await cancelSocket.SendAsync(request, SocketFlags.None).ConfigureAwait(false);
        }
        else
        {
            cancelSocket.Connect(endpoint);
            cancelSocket.Send(request);
        }
    }

    internal void CancelRequest()
    {
        lock (cancelLock)
        {
            CancelRequest(async: false).GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Reconnects a broken connector. The retry loop was copied from the synchronous keepalive thread, and its back-off still
    /// sleeps the thread even when <paramref name="async"/> is true.
    /// </summary>
    internal async Task Reconnect(bool async, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                State = ConnectorState.Closed;
                await Open(settings.Timeout, async, cancellationToken).ConfigureAwait(false);
                Statistics.Reconnects++;
                return;
            }
            catch (PgException) when (attempt < settings.MaxReconnectAttempts)
            {
                Thread.Sleep(delay); // expect: TG1002
                delay *= 2;
            }
        }
    }

    /// <summary>The back-off written the dual way: the thread only sleeps on the synchronous path.</summary>
    internal async Task Backoff(int attempt, bool async, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 50 * (1 << Math.Min(attempt, 10))));
        if (async)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Thread.Sleep(delay);
        }
    }

    /// <summary>Keepalive: a cheap query on an idle connector, started from the pool's timer.</summary>
    internal void StartKeepAlive()
    {
        if (keepAliveTask is { IsCompleted: false })
        {
            return;
        }

        keepAliveTask = KeepAliveAsync();
    }

    internal bool LastKeepAliveSucceeded()
    {
        var task = keepAliveTask;
        return task is not null && task.Status == TaskStatus.RanToCompletion && task.Result == ConnectorState.Ready;
    }

    private async Task<ConnectorState> KeepAliveAsync()
    {
        try
        {
            WriteBuffer.WriteByte((byte)'Q');
            WriteBuffer.WriteInt32(4 + 1);
            WriteBuffer.WriteByte(0);
            await WriteBuffer.Flush(async: true).ConfigureAwait(false);
            await ReadUntilReady(async: true, CancellationToken.None).ConfigureAwait(false);
            return State;
        }
        catch (Exception e)
        {
            Break(e);
            return ConnectorState.Broken;
        }
    }

    /// <summary>
    /// Resets session state before the connector goes back to the pool. Not an async method, to avoid a state machine per return:
    /// the async path hands back the flush task, the sync path completes the same flush inline.
    /// </summary>
    internal ValueTask Reset(bool async, CancellationToken cancellationToken)
    {
        WriteBuffer.WriteByte((byte)'Q');
        WriteBuffer.WriteInt32(4 + 12);
        WriteBuffer.WriteNullTerminatedString("DISCARD ALL");
        PrependResponse();
        if (async)
        {
            return new ValueTask(WriteBuffer.Flush(async, cancellationToken));
        }

        WriteBuffer.Flush(async, cancellationToken).GetAwaiter().GetResult();
        return default;
    }

    internal void PrependResponse() => pendingPrependedResponses++;

    internal void Break(Exception reason)
    {
        if (State == ConnectorState.Broken)
        {
            return;
        }

        Trace.TraceWarning("Breaking connector: " + reason.Message);
        State = ConnectorState.Broken;
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
        }

        Pool?.Return(this);
    }

    internal void Close() => Close(async: false).GetAwaiter().GetResult();

    internal async Task Close(bool async)
    {
        if (State is ConnectorState.Broken or ConnectorState.Closed)
        {
            return;
        }

        try
        {
            WriteBuffer.WriteByte((byte)'X');
            WriteBuffer.WriteInt32(4);
            await WriteBuffer.Flush(async).ConfigureAwait(false);
        }
        catch (PgException)
        {
        }

        State = ConnectorState.Closed;
        if (stream is not null)
        {
            if (async)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                stream.Dispose();
            }
        }
    }

    public void Dispose()
    {
        ReadBuffer?.Dispose();
        stream?.Dispose();
    }
}
