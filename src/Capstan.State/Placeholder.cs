namespace Capstan.State;
