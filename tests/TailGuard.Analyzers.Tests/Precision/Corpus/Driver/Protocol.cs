using System;
using System.Data.Common;

namespace Pgsql.Driver;

public enum SslMode
{
    Disable,
    Prefer,
    Require,
}

public sealed class ConnectionSettings
{
    public string Host { get; init; } = "localhost";

    public int Port { get; init; } = 5432;

    public string Database { get; init; } = "postgres";

    public string Username { get; init; } = "postgres";

    public string Password { get; init; } = string.Empty;

    public string ApplicationName { get; init; } = "pgsql-driver";

    public SslMode SslMode { get; init; } = SslMode.Prefer;

    public bool TrustServerCertificate { get; init; }

    public int ReadBufferSize { get; init; } = ReadBuffer.DefaultSize;

    public int WriteBufferSize { get; init; } = ReadBuffer.DefaultSize;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public int MaxPoolSize { get; init; } = 100;

    public int MinPoolSize { get; init; }

    public int MaxReconnectAttempts { get; init; } = 3;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    public static ConnectionSettings Parse(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Get(string key, string fallback) => builder.TryGetValue(key, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? fallback : fallback;
        return new ConnectionSettings
        {
            Host = Get("Host", "localhost"),
            Port = int.Parse(Get("Port", "5432"), System.Globalization.CultureInfo.InvariantCulture),
            Database = Get("Database", "postgres"),
            Username = Get("Username", "postgres"),
            Password = Get("Password", string.Empty),
            SslMode = Enum.Parse<SslMode>(Get("SSL Mode", nameof(SslMode.Prefer)), ignoreCase: true),
            MaxPoolSize = int.Parse(Get("Maximum Pool Size", "100"), System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}

public sealed class PgException : DbException
{
    public PgException(string message)
        : base(message)
    {
    }

    public PgException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public string? SqlState { get; init; }

    public override bool IsTransient => InnerException is TimeoutException or System.IO.IOException or System.Net.Sockets.SocketException;
}

internal enum BackendMessageCode : byte
{
    AuthenticationRequest = (byte)'R',
    BackendKeyData = (byte)'K',
    BindComplete = (byte)'2',
    CommandComplete = (byte)'C',
    DataRow = (byte)'D',
    EmptyQueryResponse = (byte)'I',
    ErrorResponse = (byte)'E',
    NoData = (byte)'n',
    NoticeResponse = (byte)'N',
    ParameterStatus = (byte)'S',
    ParseComplete = (byte)'1',
    ReadyForQuery = (byte)'Z',
    RowDescription = (byte)'T',
    NotificationResponse = (byte)'A',
}

/// <summary>One parsed backend message; the payload fields used by the connector are decoded eagerly.</summary>
internal readonly struct BackendMessage
{
    private BackendMessage(BackendMessageCode code, int length)
    {
        Code = code;
        Length = length;
    }

    public BackendMessageCode Code { get; }

    public int Length { get; }

    public int AuthenticationKind { get; private init; }

    public byte[] Salt { get; private init; }

    public string? Name { get; private init; }

    public string? Text { get; private init; }

    public int ProcessId { get; private init; }

    public int SecretKey { get; private init; }

    public long RowsAffected { get; private init; }

    public short ColumnCount { get; private init; }

    internal static BackendMessage Parse(BackendMessageCode code, int length, ReadBuffer buffer)
    {
        switch (code)
        {
            case BackendMessageCode.AuthenticationRequest:
            {
                var kind = buffer.ReadInt32();
                var salt = Array.Empty<byte>();
                string? text = null;
                if (kind == 5)
                {
                    salt = new[] { buffer.ReadByte(), buffer.ReadByte(), buffer.ReadByte(), buffer.ReadByte() };
                }
                else if (kind is 11 or 12)
                {
                    text = buffer.ReadString(length - 4);
                }
                else
                {
                    buffer.ReadPosition += length - 4;
                }

                return new BackendMessage(code, length) { AuthenticationKind = kind, Salt = salt, Text = text };
            }

            case BackendMessageCode.ParameterStatus:
            {
                var start = buffer.ReadPosition;
                var name = ReadCString(buffer);
                var value = ReadCString(buffer);
                buffer.ReadPosition = start + length;
                return new BackendMessage(code, length) { Name = name, Text = value, Salt = Array.Empty<byte>() };
            }

            case BackendMessageCode.BackendKeyData:
                return new BackendMessage(code, length) { ProcessId = buffer.ReadInt32(), SecretKey = buffer.ReadInt32(), Salt = Array.Empty<byte>() };

            case BackendMessageCode.CommandComplete:
            {
                var tag = buffer.ReadString(length - 1);
                buffer.ReadByte();
                var space = tag.LastIndexOf(' ');
                var rows = space > 0 && long.TryParse(tag.AsSpan(space + 1), out var parsed) ? parsed : 0;
                return new BackendMessage(code, length) { Text = tag, RowsAffected = rows, Salt = Array.Empty<byte>() };
            }

            case BackendMessageCode.RowDescription:
            case BackendMessageCode.DataRow:
            {
                var count = buffer.ReadInt16();
                return new BackendMessage(code, length) { ColumnCount = count, Salt = Array.Empty<byte>() };
            }

            case BackendMessageCode.ErrorResponse:
            case BackendMessageCode.NoticeResponse:
            {
                var text = buffer.ReadString(length);
                return new BackendMessage(code, length) { Text = text, Salt = Array.Empty<byte>() };
            }

            default:
                buffer.ReadPosition += length;
                return new BackendMessage(code, length) { Salt = Array.Empty<byte>() };
        }
    }

    private static string ReadCString(ReadBuffer buffer)
    {
        var end = Array.IndexOf(buffer.Buffer, (byte)0, buffer.ReadPosition);
        var value = buffer.ReadString(end - buffer.ReadPosition);
        buffer.ReadByte();
        return value;
    }
}
