// Prints one line, as `capstan validate` does, and exits: everything else a CLI's start-up costs is above this floor.
System.Console.WriteLine("ok");
