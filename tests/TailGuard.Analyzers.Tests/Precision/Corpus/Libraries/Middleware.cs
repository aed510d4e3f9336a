// ASP.NET Core-style middleware and a public client API: pure pass-throughs beside methods that do work before their only await.
using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Corpus.Libraries;

public sealed class CorrelationPassThrough
{
    private readonly RequestDelegate _next;

    public CorrelationPassThrough(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context) => await _next(context); // expect: TG3003
}

public sealed class RequestBodyLogger
{
    private readonly RequestDelegate _next;

    public RequestBodyLogger(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context) // not: TG3003 (reads the body before the await)
    {
        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
        var head = new char[256];
        var read = reader.Read(head, 0, head.Length); // expect: TG1003 (the body's first read is network I/O)
        Console.WriteLine(new string(head, 0, read));
        context.Request.Body.Position = 0;
        await _next(context);
    }
}

public sealed class TenantHeaderCheck
{
    private readonly RequestDelegate _next;

    public TenantHeaderCheck(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context) // not: TG3003 (throws before the await)
    {
        if (!context.Request.Headers.ContainsKey("X-Tenant"))
        {
            throw new InvalidOperationException("X-Tenant header is required.");
        }

        await _next(context);
    }
}

public sealed record CatalogItem(string Sku, decimal Price);

public interface ICatalogStore
{
    Task<CatalogItem?> FindAsync(string sku, bool includeHidden, CancellationToken ct);
}

public sealed class CatalogClient
{
    private readonly ICatalogStore _store;

    public CatalogClient(ICatalogStore store) => _store = store;

    public async Task<CatalogItem?> FindAsync(string sku) => await FindAsync(sku, CancellationToken.None); // expect: TG3003

    public async Task<CatalogItem?> FindAsync(string sku, CancellationToken ct) // expect: TG3003
    {
        return await _store.FindAsync(sku, includeHidden: false, ct).ConfigureAwait(false);
    }

    public async Task<CatalogItem?> FindVisibleAsync(string sku, CancellationToken ct) // not: TG3003 (validates first)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        return await _store.FindAsync(sku, includeHidden: false, ct).ConfigureAwait(false);
    }

    public async Task<CatalogItem?> FindNormalizedAsync(string sku, CancellationToken ct) // not: TG3003 (the argument can throw)
        => await _store.FindAsync(sku.Trim().ToUpperInvariant(), includeHidden: false, ct).ConfigureAwait(false);
}
