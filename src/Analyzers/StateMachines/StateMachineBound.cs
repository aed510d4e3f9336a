using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>
/// A cheap upper bound of what <see cref="StateMachineEstimator"/> can find for one async function, computed from the
/// function's operation tree (which the compiler's binding already built) instead of a control-flow graph and a liveness pass.
/// </summary>
/// <remarks>
/// The estimate hoists a subset of: the state, the builder, <c>this</c>, the parameters, the declared locals, hidden locals
/// (foreach enumerators, using resources, switch values), the operands pending at each await, closure objects, the
/// exception state of a try whose handler awaits (and of every await using and await foreach, with the return value a finally
/// holds), and one field per awaiter type. The bound counts all of them, each rounded
/// up to 8 bytes (at least the padding the auto layout can add, since no field aligns beyond 8). TG3001 and TG3002 then build
/// the graph only for the few functions whose bound says they could report: in service code almost no function can.
/// </remarks>
internal sealed class StateMachineBound
{
    private readonly int fieldBytes;

    private StateMachineBound(int fieldBytes, int largestStructBytes)
    {
        this.fieldBytes = fieldBytes;
        LargestStructBytes = largestStructBytes;
    }

    /// <summary>The largest struct among the parameters and locals: the most TG3002 can report.</summary>
    public int LargestStructBytes { get; }

    /// <summary>At least the estimate's <see cref="StateMachineEstimate.TotalBytes"/> at that optimization level.</summary>
    public int MaxTotalBytes(OptimizationLevel optimization)
        => optimization == OptimizationLevel.Debug ? StateMachineEstimate.ClassHeaderBytes + fieldBytes : fieldBytes;

    /// <summary>Bounds already computed in one compilation, and the rounded sizes of the types they met.</summary>
    internal sealed class Cache
    {
        public ConcurrentDictionary<SyntaxNode, StateMachineBound?> Bounds { get; } = new();

        // Keyed by symbol equality: the builder types are constructed anew for each method.
        public ConcurrentDictionary<ITypeSymbol, int> RoundedSizes { get; } = new(SymbolEqualityComparer.Default);

        public ConcurrentDictionary<ITypeSymbol, int> BuilderSizes { get; } = new(SymbolEqualityComparer.Default);
    }

    /// <summary>Null when the function is not one the estimator handles, or when some part cannot be bounded (broken code).</summary>
    public static StateMachineBound? Compute(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => Compute(function, model, new Cache(), cancellationToken);

    internal static StateMachineBound? Compute(SyntaxNode function, SemanticModel model, Cache cache, CancellationToken cancellationToken)
    {
        var method = StateMachineSymbols.FunctionSymbol(function, model, cancellationToken);
        if (method is null || !method.IsAsync)
        {
            return null;
        }

        var root = model.GetOperation(function, cancellationToken);
        if (root is null)
        {
            return null;
        }

        var counter = new Counter(model, cache, cancellationToken);
        return counter.Run(method, root) ? new StateMachineBound(counter.FieldBytes, counter.LargestStructBytes) : null;
    }

    private sealed class Counter
    {
        // The kinds the switches below look at; testing the kind first spares the interface type checks on every operation.
        private static readonly bool[] Interesting = KindTable(
            OperationKind.Block, OperationKind.Loop, OperationKind.Using, OperationKind.UsingDeclaration, OperationKind.Switch,
            OperationKind.SwitchCase, OperationKind.SwitchExpressionArm, OperationKind.CatchClause, OperationKind.VariableDeclarator,
            OperationKind.DeclarationPattern, OperationKind.RecursivePattern, OperationKind.ListPattern, OperationKind.AnonymousFunction,
            OperationKind.LocalFunction, OperationKind.Await, OperationKind.Try, OperationKind.Lock);

        private readonly SemanticModel model;
        private readonly Cache cache;
        private readonly CancellationToken cancellationToken;
        private readonly HashSet<ILocalSymbol> locals = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> valueAwaiters = new(SymbolEqualityComparer.Default);
        private bool referenceAwaiter;
        private int fieldBytes;
        private ITypeSymbol? returnValueType;

        public Counter(SemanticModel model, Cache cache, CancellationToken cancellationToken)
        {
            this.model = model;
            this.cache = cache;
            this.cancellationToken = cancellationToken;
        }

        public int FieldBytes => fieldBytes;

        public int LargestStructBytes { get; private set; }

        public bool Run(IMethodSymbol method, IOperation root)
        {
            var compilation = model.Compilation;
            Add(compilation.GetSpecialType(SpecialType.System_Int32));
            fieldBytes += BuilderBytes(method);
            returnValueType = method.ReturnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic ? generic.TypeArguments[0] : null;
            if (!method.IsStatic)
            {
                // A lambda's or local function's `this` is a closure reference; a struct method copies the struct.
                var isNested = method.MethodKind is MethodKind.LambdaMethod or MethodKind.LocalFunction;
                Add(isNested ? null : method.ContainingType);
            }

            foreach (var parameter in method.Parameters)
            {
                AddStructCandidate(parameter.Type);
                Add(parameter.Type);
            }

            var hasNestedFunction = false;
            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var kind = (int)operation.Kind;
                if (kind < 0 || kind >= Interesting.Length || !Interesting[kind])
                {
                    continue; // most operations (calls, references, literals, conversions) cannot add a field of their own
                }

                CollectLocals(operation);
                switch (operation)
                {
                    case IAnonymousFunctionOperation or ILocalFunctionOperation:
                        hasNestedFunction = true;
                        break;

                    case IAwaitOperation await:
                        AddAwaiterType(StateMachineSymbols.AwaiterType(await, model));
                        AddPendingAt(await);
                        break;

                    case IForEachLoopOperation forEach when forEach.IsAsynchronous || ContainsAwait(forEach.Body):
                        if (!AddForEach(forEach))
                        {
                            return false;
                        }

                        if (forEach.IsAsynchronous)
                        {
                            AddAwaitingFinallyState();
                        }

                        break;

                    case IUsingOperation @using when @using.IsAsynchronous || ContainsAwait(@using.Body):
                        Add(@using.Resources.Type);
                        foreach (var local in @using.Locals)
                        {
                            Add(local.Type);
                        }

                        if (@using.IsAsynchronous)
                        {
                            AddAwaitingFinallyState();
                            AddDisposeAwaiter(@using.Resources.Type);
                            foreach (var local in @using.Locals)
                            {
                                AddDisposeAwaiter(local.Type);
                            }
                        }

                        break;

                    case IUsingDeclarationOperation { IsAsynchronous: true } usingDeclaration:
                        foreach (var declarator in usingDeclaration.DeclarationGroup.Declarations.SelectMany(d => d.Declarators))
                        {
                            Add(declarator.Symbol.Type);
                            AddDisposeAwaiter(declarator.Symbol.Type);
                            AddAwaitingFinallyState();
                        }

                        break;

                    case IUsingDeclarationOperation usingDeclaration:
                        foreach (var declarator in usingDeclaration.DeclarationGroup.Declarations.SelectMany(d => d.Declarators))
                        {
                            Add(declarator.Symbol.Type);
                        }

                        break;

                    case ISwitchOperation @switch when ContainsAwait(@switch):
                        Add(@switch.Value.Type);
                        break;

                    case ITryOperation @try:
                        // The graph nests try/catch/finally as a try-and-finally around a try-and-catch: each region whose
                        // handlers await keeps a pending exception and branch (and a finally the return value, below).
                        if (@try.Catches.Any(ContainsAwait))
                        {
                            Add(compilation.GetSpecialType(SpecialType.System_Object));
                            Add(compilation.GetSpecialType(SpecialType.System_Int32));
                        }

                        if (ContainsAwait(@try.Finally))
                        {
                            AddAwaitingFinallyState();
                        }

                        break;

                    case ILockOperation @lock:
                        // The graph's own locals: the lock object and the `lockTaken` flag (or a System.Threading.Lock scope);
                        // Debug hoists every local, these too.
                        var lockTaken = compilation.GetSpecialType(SpecialType.System_Boolean);
                        var scope = compilation.GetTypeByMetadataName("System.Threading.Lock+Scope");
                        Add(@lock.LockedValue.Type);
                        Add(lockTaken);
                        AddStructCandidate(lockTaken);
                        if (scope is not null)
                        {
                            Add(scope);
                            AddStructCandidate(scope);
                        }

                        break;
                }
            }

            foreach (var local in locals)
            {
                AddStructCandidate(local.Type);
                Add(local.Type);
            }

            if (hasNestedFunction)
            {
                // One closure object per scope with captured variables, and each such scope declares at least one local
                // (the function's own scope may hold only parameters).
                fieldBytes += 8 * (locals.Count + 1);
            }

            fieldBytes += referenceAwaiter ? 8 : 0;
            foreach (var awaiter in valueAwaiters)
            {
                Add(awaiter);
            }

            return true;
        }

        // A finally that awaits (written, or an `await using`'s or `await foreach`'s DisposeAsync) keeps the pending exception
        // and branch, and the value of a `return` that leaves through it: one set per finally, however they nest.
        private void AddAwaitingFinallyState()
        {
            Add(model.Compilation.GetSpecialType(SpecialType.System_Object));
            Add(model.Compilation.GetSpecialType(SpecialType.System_Int32));
            if (returnValueType is not null)
            {
                Add(returnValueType);
            }
        }

        private static bool[] KindTable(params OperationKind[] kinds)
        {
            var table = new bool[kinds.Max(k => (int)k) + 1];
            foreach (var kind in kinds)
            {
                table[(int)kind] = true;
            }

            return table;
        }

        private void Add(ITypeSymbol? type) => fieldBytes += Rounded(type);

        private int Rounded(ITypeSymbol? type)
            => type is null || !type.IsValueType || type.SpecialType != SpecialType.None
                ? RoundedSize(type)
                : cache.RoundedSizes.GetOrAdd(type, RoundedSize);

        private static int RoundedSize(ITypeSymbol? type) => TypeLayout.Align(Math.Max(8, TypeLayout.SizeOf(type).Bytes), 8);

        // The builder follows from the return type unless the method names its own builder, and its layout is the same for
        // every reference-type result (Task<Order> and Task<string> have builders of one size).
        private int BuilderBytes(IMethodSymbol method)
        {
            if (method.GetAttributes().Any(a => a.AttributeClass?.Name == "AsyncMethodBuilderAttribute"))
            {
                return RoundedSize(StateMachineSymbols.BuilderType(method, model.Compilation));
            }

            var key = method.ReturnType is INamedTypeSymbol { IsGenericType: true } generic && generic.TypeArguments.All(t => t.IsReferenceType)
                ? generic.OriginalDefinition
                : method.ReturnType;
            return cache.BuilderSizes.GetOrAdd(key, _ => RoundedSize(StateMachineSymbols.BuilderType(method, model.Compilation)));
        }

        private void AddStructCandidate(ITypeSymbol? type)
        {
            if (type is { TypeKind: TypeKind.Struct })
            {
                LargestStructBytes = Math.Max(LargestStructBytes, TypeLayout.SizeOf(type).Bytes);
            }
        }

        private void CollectLocals(IOperation operation)
        {
            var declared = operation switch
            {
                IBlockOperation block => block.Locals,
                IForLoopOperation forLoop => forLoop.Locals.AddRange(forLoop.ConditionLocals),
                ILoopOperation loop => loop.Locals,
                IUsingOperation @using => @using.Locals,
                ISwitchOperation @switch => @switch.Locals,
                ISwitchCaseOperation @case => @case.Locals,
                ISwitchExpressionArmOperation arm => arm.Locals,
                ICatchClauseOperation @catch => @catch.Locals,
                IVariableDeclaratorOperation declarator => ImmutableArray.Create(declarator.Symbol),
                IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol local } => ImmutableArray.Create(local),
                IRecursivePatternOperation { DeclaredSymbol: ILocalSymbol local } => ImmutableArray.Create(local),
                IListPatternOperation { DeclaredSymbol: ILocalSymbol local } => ImmutableArray.Create(local),
                _ => default,
            };
            if (!declared.IsDefaultOrEmpty)
            {
                foreach (var local in declared)
                {
                    locals.Add(local);
                }
            }
        }

        private void AddAwaiterType(ITypeSymbol? awaiter)
        {
            if (awaiter is null || !awaiter.IsValueType || awaiter.TypeKind == TypeKind.Dynamic)
            {
                referenceAwaiter = true;
            }
            else
            {
                valueAwaiters.Add(awaiter);
            }
        }

        private bool AddForEach(IForEachLoopOperation forEach)
        {
            // The enumerator, or the array or string and an index, and the current element before it is deconstructed.
            var collection = forEach.Collection;
            while (collection is IConversionOperation { IsImplicit: true } conversion)
            {
                collection = conversion.Operand;
            }

            Add(collection.Type);
            Add(model.Compilation.GetSpecialType(SpecialType.System_Int32));
            if (forEach.Syntax is not CommonForEachStatementSyntax syntax)
            {
                return false;
            }

            var info = model.GetForEachStatementInfo(syntax);
            Add(info.GetEnumeratorMethod?.ReturnType);
            Add(info.ElementType);
            if (!forEach.IsAsynchronous)
            {
                return true;
            }

            // The compiler awaits MoveNextAsync() and DisposeAsync() itself.
            AddAwaiterType(StateMachineSymbols.AwaiterOf(info.MoveNextMethod?.ReturnType));
            AddAwaiterType(StateMachineSymbols.AwaiterOf(info.DisposeMethod?.ReturnType));
            AddAwaiterType(StateMachineSymbols.AwaiterOf(model.Compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask")));
            return info.MoveNextMethod is not null;
        }

        // The compiler awaits DisposeAsync(): the resource's own (pattern or public), or IAsyncDisposable's ValueTask.
        private void AddDisposeAwaiter(ITypeSymbol? resource)
        {
            IMethodSymbol? dispose = null;
            for (var current = resource; current is not null && dispose is null; current = current.BaseType)
            {
                dispose = current.GetMembers("DisposeAsync").OfType<IMethodSymbol>().FirstOrDefault(m => !m.IsStatic);
            }

            AddAwaiterType(StateMachineSymbols.AwaiterOf(dispose?.ReturnType));
            AddAwaiterType(StateMachineSymbols.AwaiterOf(model.Compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask")));
        }

        // Everything an enclosing expression evaluated (or will evaluate) besides the await may be pending when it
        // suspends: every sibling operand on the way up to the statement, with its own operands (an assignment's target is
        // an array and an index, an object and a field), and objects under construction by an initializer.
        private void AddPendingAt(IAwaitOperation await)
        {
            IOperation path = await;
            for (var ancestor = await.Parent; ancestor is not null && !IsStatementLevel(ancestor); ancestor = ancestor.Parent)
            {
                if (ancestor is IObjectCreationOperation or IAnonymousObjectCreationOperation or ITypeParameterObjectCreationOperation
                    or IArrayCreationOperation or IDynamicObjectCreationOperation or IWithOperation)
                {
                    Add(ancestor.Type);
                }

                foreach (var sibling in ancestor.ChildOperations)
                {
                    if (sibling == path)
                    {
                        continue;
                    }

                    fieldBytes += Rounded(ValueType(sibling));
                    foreach (var part in sibling.ChildOperations)
                    {
                        fieldBytes += Rounded(ValueType(part));
                    }
                }

                path = ancestor;
            }
        }

        private static ITypeSymbol? ValueType(IOperation operation)
            => operation.Type ?? (operation as IArgumentOperation)?.Value.Type;

        private static bool IsStatementLevel(IOperation operation)
            => operation is IBlockOperation or IReturnOperation or IExpressionStatementOperation or IVariableDeclarationGroupOperation
                or IMethodBodyOperation or IAnonymousFunctionOperation or ILocalFunctionOperation
                || operation.Syntax is StatementSyntax;

        private static bool ContainsAwait(IOperation? operation)
            => operation is not null && operation.DescendantsAndSelf().Any(o => o is IAwaitOperation
                || o is IForEachLoopOperation { IsAsynchronous: true }
                || o is IUsingOperation { IsAsynchronous: true }
                || o is IUsingDeclarationOperation { IsAsynchronous: true });
    }
}
