using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Orders.Service;

public sealed record ProductView(string Sku, string Name, decimal Price, int Stock);

/// <summary>Typed HTTP client for the catalog service, with a small in-process cache in front of it.</summary>
public sealed class CatalogClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http;
    private readonly IMemoryCache memory;
    private readonly ILogger<CatalogClient> logger;
    private readonly ConcurrentDictionary<string, Task<ProductView?>> pending = new(StringComparer.Ordinal);

    public CatalogClient(HttpClient http, IMemoryCache memory, ILogger<CatalogClient> logger)
    {
        this.http = http;
        this.memory = memory;
        this.logger = logger;
    }

    /// <summary>ValueTask fast path: a memory-cache hit completes synchronously.</summary>
    public ValueTask<ProductView?> GetProductAsync(string sku, CancellationToken cancellationToken)
    {
        if (memory.TryGetValue("product:" + sku, out ProductView? cached))
        {
            return new ValueTask<ProductView?>(cached);
        }

        return new ValueTask<ProductView?>(FetchShared(sku, cancellationToken));
    }

    /// <summary>Concurrent callers for the same SKU share one request.</summary>
    private Task<ProductView?> FetchShared(string sku, CancellationToken cancellationToken)
    {
        var fetch = pending.GetOrAdd(sku, key => FetchAsync(key, cancellationToken));
        if (fetch.IsCompleted)
        {
            pending.TryRemove(sku, out _);
            return fetch;
        }

        return fetch.ContinueWith(done =>
        {
            pending.TryRemove(sku, out _);
            return done.Result;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<ProductView?> FetchAsync(string sku, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("products/" + Uri.EscapeDataString(sku), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var product = await response.Content.ReadFromJsonAsync<ProductView>(Json, cancellationToken).ConfigureAwait(false);
        memory.Set("product:" + sku, product, TimeSpan.FromSeconds(30));
        return product;
    }

    public async Task<bool> IsAvailableAsync(string sku, CancellationToken cancellationToken)
    {
        var product = await GetProductAsync(sku, cancellationToken).ConfigureAwait(false);
        return product is { Stock: > 0 };
    }

    /// <summary>Bulk price refresh: asks for every SKU with a deadline and keeps the answers that arrived in time.</summary>
    public async Task<int> RefreshPricesAsync(string[] skus, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var fetches = new Task<ProductView?>[skus.Length];
        for (var i = 0; i < skus.Length; i++)
        {
            fetches[i] = FetchAsync(skus[i], cancellationToken);
        }

        await Task.WhenAny(Task.WhenAll(fetches), Task.Delay(deadline, cancellationToken)).ConfigureAwait(false);
        var refreshed = 0;
        foreach (var fetch in fetches)
        {
            if (fetch.Status != TaskStatus.RanToCompletion)
            {
                continue;
            }

            if (fetch.Result is not null)
            {
                refreshed++;
            }
        }

        return refreshed;
    }

    /// <summary>Renders the catalog as CSV into memory before sending it: the writes go to a MemoryStream.</summary>
    public async Task<byte[]> ExportCsvAsync(string[] skus, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.WriteLine("sku,name,price,stock");
            foreach (var sku in skus)
            {
                var product = await GetProductAsync(sku, cancellationToken).ConfigureAwait(false);
                if (product is not null)
                {
                    writer.WriteLine(FormattableString.Invariant($"{product.Sku},{product.Name},{product.Price},{product.Stock}"));
                }
            }

            writer.Flush();
        }

        return buffer.ToArray();
    }

    /// <summary>Mirrors a price list from the upstream feed; the copy buffer is allocated per call, on the large object heap.</summary>
    public async Task<long> MirrorPriceListAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var chunk = new byte[256 * 1024]; // expect: TG4001
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            total += read;
        }

        return total;
    }

    /// <summary>Uploads a price list; the request body is a file on local disk, streamed without blocking.</summary>
    public async Task UploadPriceListAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        using var content = new StreamContent(file);
        using var response = await http.PostAsync("prices", content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            logger.LogWarning("Price upload failed with {Status}: {Body}", response.StatusCode, body);
        }
    }
}
