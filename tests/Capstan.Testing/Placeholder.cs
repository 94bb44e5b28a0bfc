namespace Capstan.Testing;
