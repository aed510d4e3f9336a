using System;
using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1003's one exception to "Dispose does not block": <c>x.Dispose()</c> where <c>x</c>'s type also has <c>DisposeAsync()</c> and
/// the <c>Dispose()</c> that runs is declared in this compilation and is itself sync-over-async: its body blocks
/// (<c>.GetAwaiter().GetResult()</c>, <c>.Wait()</c>, <c>.Result</c>) on a call to an <c>…Async</c> method, as in
/// <c>public void Dispose() =&gt; DisposeAsync().AsTask().GetAwaiter().GetResult();</c>. Called from async code, that blocks the
/// caller's pool thread for the whole asynchronous close (a flush, a goodbye frame, a drained channel); <c>await using</c> or
/// <c>await x.DisposeAsync()</c> does not.
/// </summary>
/// <remarks>
/// Reads only the declaring syntax of the <c>Dispose</c> body, never another tree's semantic model (RS1030), and caches the answer per
/// method for the compilation. The one answer to "is this Dispose sync-over-async over DisposeAsync": TG1003's calls and its
/// <c>using</c> check (<see cref="ImplicitDisposal"/>) ask it; TG1001's bridge exemption (<see cref="SyncBridges"/>) needs only
/// that a <c>Dispose</c> has a <c>DisposeAsync</c> beside it, whatever its body does.
/// </remarks>
public sealed class SyncOverAsyncDispose
{
    private readonly ConcurrentDictionary<IMethodSymbol, bool> cache = new(SymbolEqualityComparer.Default);

    /// <summary>The <c>DisposeAsync()</c> to await instead, when the <c>Dispose()</c> this call runs is sync-over-async; otherwise null.</summary>
    public IMethodSymbol? AsyncTwinOfBlockingDispose(IMethodSymbol method, ITypeSymbol? receiverType, System.Threading.CancellationToken cancellationToken)
    {
        if (method.Name != "Dispose" || method.Parameters.Length != 0 || !method.ReturnsVoid)
        {
            return null;
        }

        var type = receiverType as INamedTypeSymbol ?? method.ContainingType;
        if (type is null)
        {
            return null;
        }

        var disposeAsync = FindDisposeAsync(type);
        if (disposeAsync is null)
        {
            return null;
        }

        var implementation = Implementation(method, type);
        if (implementation is null || implementation.DeclaringSyntaxReferences.IsEmpty)
        {
            return null;
        }

        return cache.GetOrAdd(implementation, m => BlocksOnAsyncCall(m, cancellationToken)) ? disposeAsync : null;
    }

    /// <summary>True when <paramref name="dispose"/>, run on its own type, is sync-over-async over that type's <c>DisposeAsync()</c>.</summary>
    public bool IsSyncOverAsyncDispose(IMethodSymbol dispose, System.Threading.CancellationToken cancellationToken)
        => AsyncTwinOfBlockingDispose(dispose, dispose.ContainingType, cancellationToken) is not null;

    /// <summary>The <c>Dispose()</c> that runs on an instance of <paramref name="type"/>: an interface call resolved to its implementation, a virtual one to its override.</summary>
    private static IMethodSymbol? Implementation(IMethodSymbol method, INamedTypeSymbol type)
    {
        if (method.ContainingType?.TypeKind == TypeKind.Interface)
        {
            return type.FindImplementationForInterfaceMember(method) as IMethodSymbol;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers("Dispose"))
            {
                if (member is IMethodSymbol { Parameters.Length: 0, IsStatic: false } candidate)
                {
                    return candidate;
                }
            }
        }

        return method;
    }

    private static IMethodSymbol? FindDisposeAsync(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers("DisposeAsync"))
            {
                if (member is IMethodSymbol { Parameters.Length: 0, IsStatic: false } candidate)
                {
                    return candidate;
                }
            }
        }

        foreach (var candidate in type.AllInterfaces)
        {
            if (candidate.Name == "IAsyncDisposable")
            {
                foreach (var member in candidate.GetMembers("DisposeAsync"))
                {
                    if (member is IMethodSymbol disposeAsync)
                    {
                        return disposeAsync;
                    }
                }
            }
        }

        return null;
    }

    private static bool BlocksOnAsyncCall(IMethodSymbol method, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var body = reference.GetSyntax(cancellationToken) switch
            {
                BaseMethodDeclarationSyntax declaration => (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody,
                _ => null,
            };
            if (body is null)
            {
                continue;
            }

            // Lambdas and local functions in the body run later or elsewhere; what blocks is the body itself.
            foreach (var node in body.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax))
            {
                if (node is MemberAccessExpressionSyntax access && IsBlockingMember(access) && CallsAsyncMethod(access.Expression))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>x.GetResult()</c> (of <c>GetAwaiter()</c>), <c>x.Wait(...)</c> or <c>x.Result</c>.</summary>
    private static bool IsBlockingMember(MemberAccessExpressionSyntax access)
    {
        switch (access.Name.Identifier.ValueText)
        {
            case "GetResult":
                return access.Parent is InvocationExpressionSyntax
                    && access.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } };
            case "Wait":
                return access.Parent is InvocationExpressionSyntax;
            case "Result":
                return access.Parent is not InvocationExpressionSyntax;
            default:
                return false;
        }
    }

    /// <summary>The receiver chain holds a call of a method named <c>…Async</c> (<c>DisposeAsync().AsTask().GetAwaiter()</c>, <c>CloseAsync(ct)</c>).</summary>
    private static bool CallsAsyncMethod(ExpressionSyntax expression)
    {
        for (var current = expression; current is not null;)
        {
            switch (current)
            {
                case InvocationExpressionSyntax invocation:
                    var name = invocation.Expression switch
                    {
                        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                        SimpleNameSyntax simple => simple.Identifier.ValueText,
                        _ => null,
                    };
                    if (name is not null && name.EndsWith("Async", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    current = (invocation.Expression as MemberAccessExpressionSyntax)?.Expression;
                    break;
                case MemberAccessExpressionSyntax member:
                    current = member.Expression;
                    break;
                case ParenthesizedExpressionSyntax parenthesized:
                    current = parenthesized.Expression;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }
}
