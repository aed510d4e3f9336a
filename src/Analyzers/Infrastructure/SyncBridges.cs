using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Recognises blocking that is synchronous <em>by design</em>: a library's synchronous API written over its async twin, whose
/// maintainer cannot "fix" the wait (the synchronous API exists to block). The place to warn is a caller that reaches the
/// synchronous twin from async code, which TG1003 reports. Recognised, on the innermost enclosing function of the wait:
/// <list type="bullet">
/// <item>a synchronous twin: a non-async method <c>Connect()</c> whose type (or a base type or interface) also declares an
/// awaitable <c>ConnectAsync(...)</c>, or <c>PublishSync()</c> beside a <c>Publish…Async(...)</c>, with a lambda it hands straight to a
/// synchronous helper that has an async twin (<c>SqlRetry.Execute(() =&gt; ...)</c> beside <c>ExecuteAsync</c>); not when the wait is on a call into the drivers' shared sync/async implementation with a flag
/// that is not known false (the sync path exists and is not used: a real bug);</item>
/// <item>a wait helper: a method named for waiting (<c>Wait</c>, <c>WaitAll</c>, <c>RunSync</c>, <c>GetResultSync</c>, ...) that
/// blocks on a task it was handed as a parameter;</item>
/// <item><c>Dispose()</c> (or <c>Dispose(bool)</c>) of a type that also has <c>DisposeAsync()</c>;</item>
/// <item>a library's synchronous execution path: the branch of <c>if (context.IsSynchronous)</c> that runs for the sync API;</item>
/// <item>the synchronous branch of a driver's async-flag guard (<see cref="DualSyncAsyncPath"/>) waiting on a task held in a local or
/// field (<c>if (async) await sendTask; else sendTask.GetAwaiter().GetResult();</c>), except a wait for a pooled resource that only
/// another caller can hand back (a channel read, <c>SemaphoreSlim.WaitAsync</c>): that completion needs the pool the wait holds;</item>
/// <item>shutdown and construction: <c>Dispose</c>/<c>Close</c>/<c>Stop</c> waiting with a bounded timeout on its own background task
/// held in a field, and a static constructor (runs once per process).</item>
/// </list>
/// Never a bridge: other lambdas and local functions (timer and continuation callbacks, subscription handlers) and event handlers
/// (<c>(object sender, XxxEventArgs e)</c>): blocking there is a real bug wherever it is.
/// </summary>
public static class SyncBridges
{
    /// <summary><c>TG1001.report_sync_bridges</c>: report the bridges too (an audit of every synchronous API).</summary>
    public const string ReportSyncBridgesOption = RuleIds.BlockingTaskWait + ".report_sync_bridges";

    private static readonly string[] WaitHelperPrefixes = { "Wait", "RunSync", "GetResult", "Block", "Sync", "Await" };
    private static readonly string[] WaitHelperSuffixes = { "Sync", "Synchronously", "Result" };
    private static readonly string[] SynchronousFlagNames = { "IsSynchronous", "Synchronous", "IsSync", "RunSynchronously", "ExecuteSynchronously" };
    private static readonly string[] ShutdownNames = { "Dispose", "Close", "Stop", "Shutdown", "StopAsync" };

    /// <summary>
    /// Which bridge, if any, the blocking wait <paramref name="wait"/> (on <paramref name="waitedTask"/>, null for <c>WaitAll</c>/<c>WaitAny</c>)
    /// sits in. <see cref="SyncBridgeKind.None"/> means: report it.
    /// </summary>
    public static SyncBridgeKind Classify(IOperation wait, IOperation? waitedTask, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (wait.SemanticModel is not { } model || AsyncContext.EnclosingFunction(wait.Syntax) is not { } function)
        {
            return SyncBridgeKind.None;
        }

        var task = AwaitableChain.Unwrap(waitedTask, forAwait: false);
        if (task is IConditionalAccessInstanceOperation)
        {
            // loop?.Wait(timeout): the task is the conditional access's receiver.
            for (var parent = task.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IConditionalAccessOperation access)
                {
                    task = AwaitableChain.Unwrap(access.Operation, forAwait: false);
                    break;
                }
            }
        }

        if (IsOnSynchronousExecutionPath(wait.Syntax, function))
        {
            return SyncBridgeKind.SynchronousExecutionPath;
        }

        if (task is ILocalReferenceOperation or IFieldReferenceOperation
            && DualSyncAsyncPath.IsOnSynchronousBranch(wait.Syntax, model, cancellationToken)
            && !IsPooledResourceWait(task, model, cancellationToken))
        {
            return SyncBridgeKind.SynchronousBranch;
        }

        if (function is ConstructorDeclarationSyntax constructor && constructor.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            return SyncBridgeKind.ShutdownOrInitialization;
        }

        if (function is AnonymousFunctionExpressionSyntax lambda)
        {
            return IsBodyOfSyncTwinHelper(lambda, model, types, cancellationToken) && !IsUnusedSynchronousPath(task, cancellationToken)
                ? SyncBridgeKind.AsyncTwin
                : SyncBridgeKind.None;
        }

        if (function is not MethodDeclarationSyntax declaration || declaration.Modifiers.Any(SyntaxKind.AsyncKeyword)
            || model.GetDeclaredSymbol(declaration, cancellationToken) is not { } method
            || IsEventHandler(method) || types.IsTaskLike(method.ReturnType))
        {
            return SyncBridgeKind.None;
        }

        if (IsDisposeOverDisposeAsync(method, types))
        {
            return SyncBridgeKind.DisposeOverDisposeAsync;
        }

        if (IsWaitHelper(method, task, wait))
        {
            return SyncBridgeKind.WaitHelper;
        }

        if (IsBoundedShutdownWait(method, wait, task))
        {
            return SyncBridgeKind.ShutdownOrInitialization;
        }

        if ((HasAsyncTwin(method, types) || HasSyncNamedTwin(method, types)) && !IsUnusedSynchronousPath(task, cancellationToken))
        {
            return SyncBridgeKind.AsyncTwin;
        }

        return SyncBridgeKind.None;
    }

    /// <summary>
    /// True when the containing type of <paramref name="method"/> (or a base type or interface) declares an awaitable method named
    /// <c>method.Name + "Async"</c>: <c>Connect()</c> beside <c>ConnectAsync(...)</c>.
    /// </summary>
    public static bool HasAsyncTwin(IMethodSymbol method, WellKnownTypes types)
        => method.ContainingType is { } type && HasAwaitableMember(type, method.Name + "Async", types, parameterless: false);

    /// <summary>
    /// A method named for being the synchronous version, <c>PublishSync()</c>, beside an awaitable <c>Publish…Async(...)</c> of its type.
    /// </summary>
    private static bool HasSyncNamedTwin(IMethodSymbol method, WellKnownTypes types)
    {
        var name = method.Name;
        if (name.Length <= 4 || !name.EndsWith("Sync", StringComparison.Ordinal) || method.ContainingType is not { } type)
        {
            return false;
        }

        var stem = name.Substring(0, name.Length - 4);
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol candidate && candidate.Name.StartsWith(stem, StringComparison.Ordinal)
                && candidate.Name.EndsWith("Async", StringComparison.Ordinal) && types.IsTaskLike(candidate.ReturnType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A lambda that is the work of a synchronous helper with an async twin (<c>SqlRetry.Execute(() =&gt; ..., ...)</c> beside
    /// <c>SqlRetry.ExecuteAsync</c>), passed straight from a synchronous twin (<c>CountOpen()</c> beside <c>CountOpenAsync</c>): it runs
    /// inside the twin's own call, so it is that twin's body. A timer, continuation or subscription callback is none of these.
    /// </summary>
    private static bool IsBodyOfSyncTwinHelper(AnonymousFunctionExpressionSyntax lambda, SemanticModel model, WellKnownTypes types, CancellationToken cancellationToken)
    {
        if (lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } }
            || model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol helper
            || types.IsTaskLike(helper.ReturnType) || !HasAsyncTwin(helper, types)
            || AsyncContext.EnclosingFunction(invocation) is not MethodDeclarationSyntax declaration
            || declaration.Modifiers.Any(SyntaxKind.AsyncKeyword)
            || model.GetDeclaredSymbol(declaration, cancellationToken) is not { } method
            || IsEventHandler(method) || types.IsTaskLike(method.ReturnType))
        {
            return false;
        }

        return HasAsyncTwin(method, types) || HasSyncNamedTwin(method, types);
    }

    /// <summary>
    /// True for <c>Dispose()</c> or <c>Dispose(bool)</c> of a type that also has an awaitable <c>DisposeAsync()</c> (its own, inherited
    /// or from an interface).
    /// </summary>
    public static bool IsDisposeOverDisposeAsync(IMethodSymbol method, WellKnownTypes types)
        => method.Name == "Dispose"
            && (method.Parameters.Length == 0 || (method.Parameters.Length == 1 && method.Parameters[0].Type.SpecialType == SpecialType.System_Boolean))
            && method.ContainingType is { } type
            && HasAwaitableMember(type, "DisposeAsync", types, parameterless: true);

    private static bool HasAwaitableMember(INamedTypeSymbol type, string name, WellKnownTypes types, bool parameterless)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (HasAwaitableMethod(current, name, types, parameterless))
            {
                return true;
            }
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (HasAwaitableMethod(@interface, name, types, parameterless))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAwaitableMethod(INamedTypeSymbol type, string name, WellKnownTypes types, bool parameterless)
    {
        foreach (var member in type.GetMembers(name))
        {
            if (member is IMethodSymbol candidate && types.IsTaskLike(candidate.ReturnType)
                && (!parameterless || candidate.Parameters.Length == 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A method named for waiting that blocks on a task it was handed: <c>T Wait&lt;T&gt;(Task&lt;T&gt; task)</c>, <c>RunSync(this Task t)</c>.</summary>
    private static bool IsWaitHelper(IMethodSymbol method, IOperation? task, IOperation wait)
    {
        if (!HasWaitHelperName(method.Name))
        {
            return false;
        }

        if (task is IParameterReferenceOperation { Parameter: { } parameter })
        {
            return SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method);
        }

        // Task.WaitAll(tasks) / Task.WaitAny(tasks) over the helper's own parameter.
        if (wait is IInvocationOperation { TargetMethod.IsStatic: true } invocation)
        {
            foreach (var argument in invocation.Arguments)
            {
                var value = argument.Value;
                if (value is IArrayCreationOperation { Initializer: { } initializer } && initializer.ElementValues.Length > 0)
                {
                    foreach (var element in initializer.ElementValues)
                    {
                        if (AwaitableChain.Unwrap(element, forAwait: false) is not IParameterReferenceOperation)
                        {
                            return false;
                        }
                    }

                    return true;
                }

                if (AwaitableChain.Unwrap(value, forAwait: false) is IParameterReferenceOperation)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasWaitHelperName(string name)
    {
        foreach (var prefix in WaitHelperPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var suffix in WaitHelperSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>Dispose</c>/<c>Close</c>/<c>Stop</c> stopping a background loop: <c>_loop.Wait(TimeSpan.FromSeconds(5))</c> on a task held in a
    /// field, with a timeout, so shutdown never hangs on it.
    /// </summary>
    private static bool IsBoundedShutdownWait(IMethodSymbol method, IOperation wait, IOperation? task)
        => Array.IndexOf(ShutdownNames, method.Name) >= 0
            && task is IFieldReferenceOperation
            && wait is IInvocationOperation { TargetMethod.Name: "Wait" } invocation
            && invocation.Arguments.Length > 0
            && invocation.Arguments[0].Parameter?.Type is { } timeout
            && (timeout.SpecialType == SpecialType.System_Int32 || timeout.Name == "TimeSpan");

    /// <summary>
    /// A wait on a call into the drivers' shared implementation whose flag is not known false: the synchronous path exists and this
    /// twin does not take it (<c>ExecuteScalar(async: true).GetAwaiter().GetResult()</c>).
    /// </summary>
    private static bool IsUnusedSynchronousPath(IOperation? task, CancellationToken cancellationToken)
    {
        if (task is not IInvocationOperation invocation)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && DualSyncAsyncPath.IsAsyncFlag(parameter))
            {
                return !SynchronousPathCalls.IsSynchronousPathCall(invocation, cancellationToken);
            }
        }

        return false;
    }

    private static bool IsEventHandler(IMethodSymbol method)
        => method.Parameters.Length == 2
            && method.Parameters[0].Type.SpecialType == SpecialType.System_Object
            && method.Parameters[1].Type.Name.EndsWith("EventArgs", StringComparison.Ordinal);

    /// <summary><c>if (context.IsSynchronous) { ... }</c> (or <c>?:</c>) around the wait, inside its own function.</summary>
    private static bool IsOnSynchronousExecutionPath(SyntaxNode node, SyntaxNode function)
    {
        var child = node;
        for (var current = node.Parent; current is not null && child != function; child = current, current = current.Parent)
        {
            var (condition, onTrueBranch) = current switch
            {
                IfStatementSyntax ifStatement when child == ifStatement.Statement => (ifStatement.Condition, true),
                IfStatementSyntax ifStatement when child == ifStatement.Else => (ifStatement.Condition, false),
                ConditionalExpressionSyntax conditional when child == conditional.WhenTrue => (conditional.Condition, true),
                ConditionalExpressionSyntax conditional when child == conditional.WhenFalse => (conditional.Condition, false),
                _ => ((ExpressionSyntax?)null, false),
            };
            if (condition is not null && TestsSynchronousFlag(condition, onTrueBranch))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TestsSynchronousFlag(ExpressionSyntax condition, bool expected)
    {
        while (true)
        {
            switch (condition)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    condition = parenthesized.Expression;
                    continue;
                case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.LogicalNotExpression):
                    condition = prefix.Operand;
                    expected = !expected;
                    continue;
                case MemberAccessExpressionSyntax access:
                    return expected && Array.IndexOf(SynchronousFlagNames, access.Name.Identifier.ValueText) >= 0;
                case IdentifierNameSyntax identifier:
                    return expected && Array.IndexOf(SynchronousFlagNames, identifier.Identifier.ValueText.TrimStart('_')) >= 0;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// A task that completes only when another caller hands back a pooled resource: a <c>ChannelReader&lt;T&gt;.ReadAsync</c>/<c>WaitToReadAsync</c>
    /// or a <c>SemaphoreSlim.WaitAsync</c> stored in a local. Waiting on it from a pool thread is the pool-starvation deadlock itself.
    /// </summary>
    private static bool IsPooledResourceWait(IOperation task, SemanticModel model, CancellationToken cancellationToken)
    {
        if (task is not ILocalReferenceOperation { Local: { } local } || local.DeclaringSyntaxReferences.Length != 1
            || local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer }
            || initializer.SyntaxTree != model.SyntaxTree
            || model.GetOperation(initializer, cancellationToken) is not { } value
            || AwaitableChain.Unwrap(value, forAwait: false) is not IInvocationOperation invocation)
        {
            return false;
        }

        var callee = invocation.TargetMethod;
        var owner = callee.ContainingType?.OriginalDefinition;
        return (callee.Name is "ReadAsync" or "WaitToReadAsync" && owner?.Name == "ChannelReader")
            || (callee.Name == "WaitAsync" && owner?.Name == "SemaphoreSlim");
    }
}

/// <summary>Why a blocking wait is synchronous by design (<see cref="SyncBridges"/>); <see cref="None"/> when it is not.</summary>
public enum SyncBridgeKind
{
    None,
    AsyncTwin,
    WaitHelper,
    DisposeOverDisposeAsync,
    SynchronousExecutionPath,
    SynchronousBranch,
    ShutdownOrInitialization,
}
