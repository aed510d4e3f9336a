using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

/// <summary>
/// Work items that hold pool threads three ways, for the pool-holder tests: sleeping, reading a socket synchronously, and
/// spinning the CPU. Each queues more items than the pool has threads, so the pool starves; each blocking call sits in a named
/// method on a line marked with a comment the tests look for.
/// </summary>
internal static class PoolHolderAdversities
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/holders/sleep", (int items, int ms) => Queue(items, () => PoolHolderWork.Sleep(ms)));
        app.MapPost("/holders/socket", (int items, int ms) =>
        {
            var port = SlowServer.Start(items, ms);
            return Queue(items, () => PoolHolderWork.ReadSocket(port));
        });
        app.MapPost("/holders/spin", (int items, int ms) => Queue(items, () => PoolHolderWork.Spin(ms)));
    }

    private static IResult Queue(int items, Action work)
    {
        for (var i = 0; i < items; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => work(), null);
        }

        return Results.Accepted();
    }
}

internal static class PoolHolderWork
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sleep(int ms)
    {
        Thread.Sleep(ms); // holder:sleep
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int ReadSocket(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, port);
        var buffer = new byte[1];
        return socket.Receive(buffer); // holder:socket
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Spin(int ms)
    {
        var start = Stopwatch.GetTimestamp();
        long spins = 0;
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < ms) { spins++; } // holder:spin
        return spins;
    }
}

/// <summary>A loopback server that answers each connection with one byte a delay after accepting it, on threads of its own.</summary>
internal static class SlowServer
{
    public static int Start(int connections, int delayMs)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(connections);
        new Thread(() =>
        {
            for (var i = 0; i < connections; i++)
            {
                var socket = listener.AcceptSocket();
                new Thread(() =>
                {
                    Thread.Sleep(delayMs);
                    socket.Send([1]);
                    socket.Dispose();
                }) { IsBackground = true }.Start();
            }

            listener.Stop();
        }) { IsBackground = true, Name = "slow-server" }.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
