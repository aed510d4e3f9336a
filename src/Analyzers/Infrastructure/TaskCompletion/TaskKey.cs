using System;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers;

/// <summary>A task variable: a local, parameter or field, or "any element of" a collection variable.</summary>
internal readonly struct TaskKey : IEquatable<TaskKey>
{
    public TaskKey(ISymbol symbol, bool isElement)
    {
        Symbol = symbol;
        IsElement = isElement;
    }

    public ISymbol Symbol { get; }

    public bool IsElement { get; }

    public bool Equals(TaskKey other) => IsElement == other.IsElement && SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol);

    public override bool Equals(object? obj) => obj is TaskKey other && Equals(other);

    public override int GetHashCode() => (SymbolEqualityComparer.Default.GetHashCode(Symbol) * 397) ^ (IsElement ? 1 : 0);
}
