// A resilience-library-style retry helper and the data-access code that uses it: the retry predicate is a private synchronous
// method handed to an async helper as a method group or lambda, so it runs between the helper's awaits on a request's thread.
using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace Corpus.Libraries;

public static class SqlRetry
{
    public static async Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> operation, Func<Exception, int, bool> shouldRetry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (shouldRetry(e, attempt))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The synchronous twin for synchronous callers: sleeping between attempts is its design.</summary>
    public static T Execute<T>(Func<T> operation, Func<Exception, int, bool> shouldRetry)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return operation();
            }
            catch (Exception e) when (shouldRetry(e, attempt))
            {
                Thread.Sleep(20 * attempt); // not: TG1002 (synchronous twin)
            }
        }
    }
}

public sealed class OrderQueries
{
    private readonly Func<DbConnection> _connect;
    private readonly int _maxAttempts;

    public OrderQueries(Func<DbConnection> connect, int maxAttempts)
    {
        _connect = connect;
        _maxAttempts = maxAttempts;
    }

    public Task<int> CountOpenAsync(CancellationToken ct)
        => SqlRetry.ExecuteAsync(token => ScalarAsync("select count(*) from orders where open", token), CanRetry, ct);

    public Task<int> CountClosedAsync(CancellationToken ct)
        => SqlRetry.ExecuteAsync(token => ScalarAsync("select count(*) from orders where not open", token), (e, n) => IsTransient(e, n), ct);

    public int CountOpen()
        => SqlRetry.Execute(() => ScalarAsync("select count(*) from orders where open", CancellationToken.None).GetAwaiter().GetResult(), CanRetrySync); // bridge: TG1001

    private bool CanRetry(Exception e, int attempt)
    {
        if (attempt >= _maxAttempts || e is not DbException)
        {
            return false;
        }

        // Give a failing-over primary a moment before the helper retries.
        Thread.Sleep(TimeSpan.FromMilliseconds(50 * attempt)); // expect: TG1002
        return true;
    }

    private bool IsTransient(Exception e, int attempt)
    {
        if (e is TimeoutException)
        {
            Thread.Sleep(100); // expect: TG1002
        }

        return attempt < _maxAttempts && e is DbException or TimeoutException;
    }

    private bool CanRetrySync(Exception e, int attempt)
    {
        Thread.Sleep(50 * attempt); // not: TG1002 (handed to the synchronous twin only)
        return attempt < _maxAttempts && e is DbException;
    }

    private async Task<int> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var connection = _connect();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false));
    }
}
