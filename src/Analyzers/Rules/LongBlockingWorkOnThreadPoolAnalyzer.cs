using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1004: <c>Task.Run</c>, <c>Task.Factory.StartNew</c> (without <c>TaskCreationOptions.LongRunning</c>) or
/// <c>ThreadPool.QueueUserWorkItem</c> whose body loops without end, or loops around blocking calls.
/// </summary>
/// <remarks>
/// A work item that never returns takes a pool thread away for the life of the process; one that loops around
/// <c>BlockingCollection.Take</c> or <c>Thread.Sleep</c> spends that thread parked. The pool only adds threads slowly
/// (hill climbing, then about one per second under starvation), so a few such consumers at startup leave request
/// work queued behind them: the first minutes of P99 after every deploy. <c>LongRunning</c> gives the loop its own thread.
/// The body is the lambda or anonymous method passed, a method group to a method with source in this compilation, or,
/// one level deep, the source method that a lambda consisting of a single call invokes.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LongBlockingWorkOnThreadPoolAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// Diagnostic property set to "true" when the body is async or returns a task: LongRunning only covers it until its first
    /// await, and StartNew would return a Task&lt;Task&gt; that completes at that await.
    /// </summary>
    public const string AsyncBodyProperty = "AsyncBody";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.LongBlockingWorkOnThreadPool,
        title: "Long blocking work on the thread pool",
        messageFormat: "'{0}' queues long blocking work to the thread pool ({1}); run it on a dedicated thread (TaskCreationOptions.LongRunning) or make the loop await instead of block",
        category: RuleCategories.Blocking,
        description: "A thread-pool work item that loops forever, or loops around blocking calls (BlockingCollection.Take, Thread.Sleep, "
            + "task waits, synchronous I/O), holds a pool thread for as long as it runs. The pool grows slowly, so request work queues "
            + "behind it. Start such loops with Task.Factory.StartNew(..., TaskCreationOptions.LongRunning, TaskScheduler.Default) or "
            + "on a dedicated Thread, or make the loop async (await instead of blocking).");

    private const int LongRunningFlag = 2; // TaskCreationOptions.LongRunning

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Task is null)
            {
                return;
            }

            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, types), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!IsWorkItemStart(invocation, types) || HasLongRunningOrUnknownOptions(invocation, types))
        {
            return;
        }

        var delegateArgument = FindDelegateArgument(invocation);
        if (delegateArgument is null)
        {
            return;
        }

        var bodies = ResolveBodies(delegateArgument, invocation, context.Compilation, context.CancellationToken);
        if (bodies.Count == 0)
        {
            return;
        }

        string? reason = null;
        foreach (var body in bodies)
        {
            reason = LongWork.FindReason(body.Operation, body.IsAsync, types);
            if (reason is not null)
            {
                break;
            }
        }

        if (reason is null || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, invocation.Syntax.SyntaxTree))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (bodies[0].IsAsync || (ReturnsTaskLike(delegateArgument.Parameter?.Type, types) && ReturnsAValue(bodies[0].Operation)))
        {
            properties = properties.Add(AsyncBodyProperty, "true");
        }

        var method = invocation.TargetMethod;
        var location = invocation.Syntax is InvocationExpressionSyntax syntax ? syntax.Expression.GetLocation() : invocation.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(Rule, location, properties, method.ContainingType.Name + "." + method.Name, reason));
    }

    private static bool IsWorkItemStart(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        return method.Name switch
        {
            "Run" => method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.Task),
            "StartNew" => !method.IsStatic
                && (WellKnownTypes.Is(method.ContainingType, types.TaskFactory) || WellKnownTypes.Is(method.ContainingType, types.TaskFactoryOfT)),
            "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" => method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.ThreadPool),
            _ => false,
        };
    }

    /// <summary>LongRunning is passed, or options are computed at run time (we cannot tell, so we stay quiet).</summary>
    private static bool HasLongRunningOrUnknownOptions(IInvocationOperation invocation, WellKnownTypes types)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is null || !WellKnownTypes.Is(argument.Parameter.Type, types.TaskCreationOptions))
            {
                continue;
            }

            var constant = argument.Value.ConstantValue;
            if (!constant.HasValue || constant.Value is null)
            {
                return true;
            }

            try
            {
                return (System.Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture) & LongRunningFlag) != 0;
            }
            catch (System.Exception e) when (e is System.FormatException or System.InvalidCastException or System.OverflowException)
            {
                return true;
            }
        }

        return false;
    }

    private static IArgumentOperation? FindDelegateArgument(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Type.TypeKind == TypeKind.Delegate)
            {
                return argument;
            }
        }

        return null;
    }

    /// <summary>
    /// A lambda whose end is unreachable (an endless loop) converts to <c>Func&lt;Task&gt;</c> as well and binds to that overload
    /// without returning anything; only a body that returns a task is really task-returning work.
    /// </summary>
    private static bool ReturnsAValue(IOperation body)
    {
        foreach (var operation in LongWork.InFunction(body))
        {
            if (operation is IReturnOperation { ReturnedValue: not null })
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReturnsTaskLike(ITypeSymbol? delegateType, WellKnownTypes types)
        => delegateType is INamedTypeSymbol { DelegateInvokeMethod: { } invoke } && types.IsTaskLike(invoke.ReturnType);

    private readonly struct Body
    {
        public Body(IOperation operation, bool isAsync)
        {
            Operation = operation;
            IsAsync = isAsync;
        }

        public IOperation Operation { get; }

        public bool IsAsync { get; }
    }

    private static List<Body> ResolveBodies(IArgumentOperation argument, IInvocationOperation invocation, Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        var bodies = new List<Body>(2);
        var value = argument.Value;
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        if (value is IDelegateCreationOperation creation)
        {
            value = creation.Target;
        }

        switch (value)
        {
            case IAnonymousFunctionOperation lambda:
                bodies.Add(new Body(lambda.Body, lambda.Symbol.IsAsync));
                if (!lambda.Symbol.IsAsync && SingleCall(lambda.Body) is { } called)
                {
                    AddMethodBody(bodies, called, invocation, compilation, cancellationToken);
                }

                break;
            case IMethodReferenceOperation reference:
                AddMethodBody(bodies, reference.Method, invocation, compilation, cancellationToken);
                break;
        }

        return bodies;
    }

    /// <summary><c>() => Loop(token)</c>: a lambda whose whole body is one call; the work is in the called method.</summary>
    private static IMethodSymbol? SingleCall(IBlockOperation body)
    {
        IOperation? only = null;
        foreach (var statement in body.Operations)
        {
            if (statement is IReturnOperation { ReturnedValue: null, IsImplicit: true })
            {
                continue;
            }

            if (only is not null)
            {
                return null;
            }

            only = statement;
        }

        var expression = only switch
        {
            IExpressionStatementOperation statement => statement.Operation,
            IReturnOperation ret => ret.ReturnedValue,
            _ => null,
        };
        return expression is IInvocationOperation call ? call.TargetMethod : null;
    }

    private static void AddMethodBody(List<Body> bodies, IMethodSymbol method, IInvocationOperation invocation, Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        method = method.PartialImplementationPart ?? method.OriginalDefinition;
        if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.Length != 1)
        {
            return;
        }

        var declaration = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        if (declaration is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            return;
        }

        var model = declaration.SyntaxTree == invocation.Syntax.SyntaxTree ? invocation.SemanticModel : null;
        if (model is null && compilation.ContainsSyntaxTree(declaration.SyntaxTree))
        {
            // The target method lives in another file; this only happens for method groups and single-call lambdas that
            // name a source method elsewhere, and binds just that method's body.
#pragma warning disable RS1030 // The operation tree of another tree's method is not reachable through the context's semantic model.
            model = compilation.GetSemanticModel(declaration.SyntaxTree);
#pragma warning restore RS1030
        }

        var operation = model?.GetOperation(declaration, cancellationToken);
        IOperation? body = operation switch
        {
            IMethodBodyOperation methodBody => (IOperation?)methodBody.BlockBody ?? methodBody.ExpressionBody,
            ILocalFunctionOperation localFunction => localFunction.Body,
            _ => null,
        };
        if (body is not null)
        {
            bodies.Add(new Body(body, method.IsAsync));
        }
    }
}
